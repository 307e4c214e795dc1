/* yamldoc: the one YAML document of a file's text, as solum reads them all */
#ifndef SOLUM_YAMLDOC_H
#define SOLUM_YAMLDOC_H

#include <stddef.h>
#include <yaml.h>

#include "err.h"

/*
 * Parse `text` (`len` bytes, from `file`, which names it in errors) into
 * *doc_out, which the caller frees with yaml_document_delete(). Exactly one
 * document is accepted: a second one would be ignored silently, so it is
 * an error. Errors name the file and line, with libyaml's problem:
 * "solum.yaml:3: mapping values are not allowed in this context",
 * "solum.yaml:5: more than one YAML document". On -1 *doc_out needs no
 * freeing. An empty text is one document with no root node.
 */
int yamldoc_load(const char *text, size_t len, const char *file,
		 yaml_document_t *doc_out, struct err *err);

#endif
