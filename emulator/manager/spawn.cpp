#include "emulator/manager/spawn.h"

#include <fcntl.h>
#include <sched.h>
#include <signal.h>
#include <unistd.h>

#include <cerrno>

namespace azlb::manager {

Result<pid_t> spawnInNamespace(const std::string& ns, std::vector<std::string> args,
                               const std::string& logPath) {
  // Everything the child needs is prepared before fork: after it only async-signal-safe calls.
  const std::string nsPath = "/run/netns/" + ns;
  std::vector<char*> argv;
  for (auto& a : args) argv.push_back(a.data());
  argv.push_back(nullptr);
  pid_t pid = fork();
  if (pid < 0) return fail("fork for " + args.at(0), errno);
  if (pid == 0) {
    setsid();
    sigset_t none;
    sigemptyset(&none);
    sigprocmask(SIG_SETMASK, &none, nullptr);
    signal(SIGPIPE, SIG_DFL);
    int nsfd = open(nsPath.c_str(), O_RDONLY | O_CLOEXEC);
    if (nsfd < 0 || setns(nsfd, CLONE_NEWNET) != 0) _exit(126);
    int log = open(logPath.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
    int null = open("/dev/null", O_RDONLY | O_CLOEXEC);
    if (null >= 0) dup2(null, 0);
    if (log >= 0) {
      dup2(log, 1);
      dup2(log, 2);
    }
    closefrom(3);
    execv(argv[0], argv.data());
    _exit(127);
  }
  return pid;
}

}  // namespace azlb::manager
