/* heatevents: the events of a Heat stack, parsed; no I/O */
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "buf.h"
#include "heatapi.h"
#include "name.h"
#include "banned.h"

#define MAX_SEEN 10000
#define MAX_ID 64
#define MAX_NAME 255
#define MAX_STATUS 64
#define MAX_REASON 2048

static int valid_status(const char *s)
{
	size_t n = strlen(s);

	if (!n || n > MAX_STATUS)
		return 0;
	for (; *s; s++)
		if (!(*s >= 'A' && *s <= 'Z') && *s != '_')
			return 0;
	return 1;
}

const char *heat_json_str(json_t *o, const char *key, size_t max)
{
	json_t *v = json_object_get(o, key);

	if (!json_is_string(v) || json_string_length(v) > max ||
	    strlen(json_string_value(v)) != json_string_length(v))
		return NULL;
	return json_string_value(v);
}

/* Index of `id` in the sorted `seen`, or where it would go (*found 0). */
static size_t seen_find(const struct strvec *seen, const char *id, int *found)
{
	size_t lo = 0, hi = seen->nr;

	*found = 0;
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		int c = strcmp(seen->v[mid], id);

		if (!c) {
			*found = 1;
			return mid;
		}
		if (c < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

/* Insert a copy of `id` at `at`, keeping `seen` sorted. */
static void seen_insert(struct strvec *seen, size_t at, const char *id)
{
	char *copy;

	strvec_push(seen, id);
	copy = seen->v[seen->nr - 1];
	memmove(seen->v + at + 1, seen->v + at,
		(seen->nr - 1 - at) * sizeof(*seen->v));
	seen->v[at] = copy;
}

/* One event: new ones go to `seen` and `cb`; odd ones are left out. */
static int one_event(json_t *ev, struct strvec *seen, heat_event_fn *cb,
		     void *payload, struct err *err)
{
	const char *id = heat_json_str(ev, "id", MAX_ID);
	const char *res = heat_json_str(ev, "resource_name", MAX_NAME);
	const char *status = heat_json_str(ev, "resource_status", MAX_STATUS);
	const char *reason = heat_json_str(ev, "resource_status_reason", MAX_REASON);
	size_t at;
	int found;

	if (!id || !name_os_id_valid(id, MAX_ID) || !res || !*res || !status ||
	    !valid_status(status))
		return 0;
	at = seen_find(seen, id, &found);
	if (found)
		return 0;
	if (seen->nr >= MAX_SEEN)
		return err_set(err, "more than %d events", MAX_SEEN);
	seen_insert(seen, at, id);
	cb(res, status, reason ? reason : "", payload);
	return 0;
}

int heat_events_parse(const char *json, size_t len, struct strvec *seen,
		      heat_event_fn *cb, void *payload, struct err *err)
{
	json_error_t jerr;
	json_t *root, *events, *ev;
	size_t i;
	int ret = 0;

	root = json_loadb(json, len, 0, &jerr);
	if (!root)
		return err_set(err, "the events answer is not JSON: %s",
			       jerr.text);
	events = json_object_get(root, "events");
	if (!json_is_array(events)) {
		json_decref(root);
		return err_set(err, "the events answer has no list of events");
	}
	json_array_foreach(events, i, ev) {
		if (json_is_object(ev) &&
		    one_event(ev, seen, cb, payload, err) < 0) {
			ret = -1;
			break;
		}
	}
	json_decref(root);
	return ret;
}
