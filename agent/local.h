/* local: the local Docker engine target, behind the nginx front */
#ifndef SOLUM_LOCAL_H
#define SOLUM_LOCAL_H

#include "target.h"

/*
 * Each release runs as container solum-APP-vN, started, health-checked
 * and only then swapped in behind the app's stable port in nginx; the
 * container it replaces stops after the swap.
 */
extern const struct target local_target;

#endif
