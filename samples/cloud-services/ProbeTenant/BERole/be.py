"""BERole of the ProbeTenant sample: BE_InternalEP_Http on port 80 (also the InstanceEP_BE
instance input endpoint's localPort), BE_InternalEP_Tcp and BE_InternalEP_Udp on the ports azlb
assigned (the csdef gives none), each answering with this instance's id."""
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
import roleenv  # noqa: E402


class BackEnd(roleenv.Handler):
    routes = {"/sample/whoami": lambda h, q: (200, "%s/%s" % (roleenv.SERVICE, roleenv.INSTANCE))}


roleenv.serve_http(roleenv.endpoint_port("BE_InternalEP_Http"), BackEnd)
roleenv.serve_tcp_lines(roleenv.endpoint_port("BE_InternalEP_Tcp"))
roleenv.serve_udp(roleenv.endpoint_port("BE_InternalEP_Udp"))
roleenv.run_forever()
