/* openstack: the OpenStack target: the image into Glance, the app's Heat
 * stack created or updated from its template */
#ifndef SOLUM_OPENSTACK_H
#define SOLUM_OPENSTACK_H

#include "keystone.h"
#include "target.h"

/*
 * Release vN of APP: before the build, the template is read and its
 * parameters resolved and the cloud's credentials checked; after the
 * registry push, the engine's image is streamed into Glance as APP-vN
 * (unless an image with the same digest is there already), and the
 * stack (--stack, default APP) is created or updated with the declared
 * parameters, its events and outputs told as they come. A rollback
 * updates the stack with an old release's parameters and template.
 */
extern const struct target openstack_target;

/*
 * Authenticate to the cloud of solum.yaml's openstack section (cloud,
 * region, interface over clouds.yaml's). `cloud` is initialised here
 * and must outlive *ks_out; release both with openstack_disconnect.
 */
int openstack_connect(const struct config *cfg, struct clouds_cloud *cloud,
		      struct keystone **ks_out, struct err *err);
void openstack_disconnect(struct clouds_cloud *cloud, struct keystone *ks);

#endif
