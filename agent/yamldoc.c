/* yamldoc: the one YAML document of a file's text, as solum reads them all */
#include <stdio.h>

#include "yamldoc.h"
#include "banned.h"

static int problem(const char *file, const yaml_parser_t *parser,
		   struct err *err)
{
	return err_set(err, "%s:%zu: %s%s%s", file,
		       parser->problem_mark.line + 1,
		       parser->problem ? parser->problem : "invalid YAML",
		       parser->context ? " " : "",
		       parser->context ? parser->context : "");
}

int yamldoc_load(const char *text, size_t len, const char *file,
		 yaml_document_t *doc_out, struct err *err)
{
	yaml_parser_t parser;
	yaml_document_t more;
	int ret = -1;

	if (!yaml_parser_initialize(&parser))
		return err_set(err, "%s: cannot initialize the YAML parser",
			       file);
	yaml_parser_set_input_string(&parser, (const unsigned char *)text, len);
	if (!yaml_parser_load(&parser, doc_out)) {
		problem(file, &parser, err);
		yaml_parser_delete(&parser);
		return -1;
	}
	if (!yaml_parser_load(&parser, &more)) {
		problem(file, &parser, err);
	} else {
		if (yaml_document_get_root_node(&more))
			err_set(err, "%s:%zu: more than one YAML document",
				file, more.start_mark.line + 1);
		else
			ret = 0;
		yaml_document_delete(&more);
	}
	if (ret < 0)
		yaml_document_delete(doc_out);
	yaml_parser_delete(&parser);
	return ret;
}
