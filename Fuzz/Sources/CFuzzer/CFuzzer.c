// The declaration in include/CFuzzer.h is all this target provides; libFuzzer (-sanitize=fuzzer) defines it.
#include "CFuzzer.h"
