// glibc's malloc tuning (mallopt), which Swift's Glibc module does not export, and explicit_bzero (a write the
// compiler keeps even when the memory is freed next).
#include <malloc.h>
#include <string.h>
