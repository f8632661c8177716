// The azlb subcommands that live in cli/ (mux and host-agent go straight to emulator/runtime).
// Each takes its parsed flags (cli/flags.h) and returns the exit code.
#pragma once

#include "cli/flags.h"

namespace azlb::cli {

int runServe(const ServeFlags& flags);
int runEnv(const ClientFlags& flags);
int runAzLogin(const ClientFlags& flags);
int runStatus(const StatusFlags& flags);
int runExec(const ExecFlags& flags);
int runCleanup(const CleanupFlags& flags);
int runImport(const ImportFlags& flags);
int runCloudService(const CloudServiceFlags& flags);
int runTrace(const TraceFlags& flags);

}  // namespace azlb::cli
