// What Swift's Glibc module does not export: glibc's malloc tuning (mallopt), explicit_bzero (a write the compiler
// keeps even when the memory is freed next), and the calling thread's id.
#include <malloc.h>
#include <string.h>
#include <sys/syscall.h>
#include <sys/types.h>
#include <unistd.h>

static inline pid_t cmalloc_thread_id(void) { return (pid_t)syscall(SYS_gettid); }
