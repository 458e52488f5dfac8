#ifndef OFFBOARD_CYAML_SHIM_H
#define OFFBOARD_CYAML_SHIM_H
#include <yaml.h>
#endif
