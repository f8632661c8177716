#!/bin/sh
# FERole's start-up task (simple: the entry point starts after it exits 0).
echo "startup task: $AZLB_ROLE_INSTANCE_ID of $AZLB_SERVICE_NAME is starting (Greeting: $AZLB_SETTING_Greeting)"
