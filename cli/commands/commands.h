// The azlb subcommands. Each takes argv after the subcommand name and returns the exit code.
#pragma once

namespace azlb::cli {

int runServe(int argc, char** argv);
int runEnv(int argc, char** argv);
int runAzLogin(int argc, char** argv);
int runMux(int argc, char** argv);
int runHostAgent(int argc, char** argv);
int runStatus(int argc, char** argv);
int runExec(int argc, char** argv);
int runCleanup(int argc, char** argv);

}  // namespace azlb::cli
