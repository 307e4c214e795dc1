/* apptemplate: where an app's Heat template comes from, and the copies
 * kept for rollbacks */
#ifndef SOLUM_APPTEMPLATE_H
#define SOLUM_APPTEMPLATE_H

#include "config.h"
#include "err.h"
#include "store.h"
#include "template.h"

/* Where a template from the pushed tree is read (--template-from-repo). */
#define APPTEMPLATE_REPO_PATH ".solum/heat.yaml"

/*
 * `--template ARG` given at the server: a file (the path of an existing
 * file, or any ARG with a '/'), or NAME, a template shipped with solum
 * ("server-docker" or "server-docker.yaml"), looked for in
 * openstack.templates, else solum's installed templates/, else those of
 * its source tree. Over SSH (`remote`) only NAME: no argument there names
 * a file of the server. The template is parsed, so that a broken one is
 * refused now with "FILE:LINE: ...". *path_out (absolute, owned).
 */
int apptemplate_resolve(const struct config *cfg, const char *arg, int remote,
			char **path_out, struct err *err);

/*
 * A template given as text (`--template -`): parsed, then written to
 * <home>/templates/APP.yaml; *path_out owned.
 */
int apptemplate_save(const char *home, const char *app, const char *text,
		     char **path_out, struct err *err);

/*
 * The template a deploy of `commit` uses: APPTEMPLATE_REPO_PATH of that
 * commit's tree when the app says --template-from-repo, else the app's
 * template file. An app with neither is an error that says how to set
 * one. `t` fresh (TEMPLATE_INIT).
 */
int apptemplate_load(const char *home, const struct store_app *app,
		     const char *commit, struct template *t, struct err *err);

/*
 * Keep the text of `t` as <home>/templates/sha256/HASH.yaml, for
 * rollbacks to the release that used it (written once per hash).
 */
int apptemplate_keep(const char *home, const struct template *t,
		     struct err *err);

/* Load the kept template of hash `hash` into `t` (fresh). */
int apptemplate_load_kept(const char *home, const char *hash,
			  struct template *t, struct err *err);

#endif
