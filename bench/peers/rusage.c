/*
 * rusage: runs a command and reports what that process (and any children it
 * waited for) cost: `rusage OUT_FILE COMMAND [ARGS...]` writes one JSON line
 * {"exit":N,"signal":N,"wallS":…,"userS":…,"sysS":…,"maxRssKiB":…} to OUT_FILE
 * and exits with the command's status. The command keeps stdin, stdout and
 * stderr. wait4() gives the CPU and peak RSS of the client process alone, not
 * of the bench's orchestrator or of the brokers.
 */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/time.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static double seconds(struct timeval tv) { return (double)tv.tv_sec + (double)tv.tv_usec / 1e6; }

int main(int argc, char **argv) {
  if (argc < 3) {
    fprintf(stderr, "usage: rusage OUT_FILE COMMAND [ARGS...]\n");
    return 2;
  }
  struct timespec t0, t1;
  clock_gettime(CLOCK_MONOTONIC, &t0);
  pid_t pid = fork();
  if (pid < 0) {
    perror("rusage: fork");
    return 2;
  }
  if (pid == 0) {
    execvp(argv[2], argv + 2);
    fprintf(stderr, "rusage: cannot run %s: %s\n", argv[2], strerror(errno));
    _exit(127);
  }
  /* The orchestrator stops a run by signalling this wrapper: pass it on. */
  signal(SIGINT, SIG_IGN);
  int status = 0;
  struct rusage ru;
  while (wait4(pid, &status, 0, &ru) < 0) {
    if (errno != EINTR) {
      perror("rusage: wait4");
      return 2;
    }
  }
  clock_gettime(CLOCK_MONOTONIC, &t1);
  double wall = (double)(t1.tv_sec - t0.tv_sec) + (double)(t1.tv_nsec - t0.tv_nsec) / 1e9;
  int code = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
  FILE *out = fopen(argv[1], "w");
  if (out == NULL) {
    perror("rusage: open OUT_FILE");
    return 2;
  }
  fprintf(out,
          "{\"exit\":%d,\"signal\":%d,\"wallS\":%.3f,\"userS\":%.3f,\"sysS\":%.3f,\"maxRssKiB\":%ld}\n",
          WIFEXITED(status) ? WEXITSTATUS(status) : -1, WIFSIGNALED(status) ? WTERMSIG(status) : 0,
          wall, seconds(ru.ru_utime), seconds(ru.ru_stime), ru.ru_maxrss);
  fclose(out);
  return code;
}
