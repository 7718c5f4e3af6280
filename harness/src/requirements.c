/* requirements.c - lookups in the generated requirement table. */
#include "requirements.h"

#include <string.h>

const wkc__requirement *wkc__requirement_find(const char *id)
{
	for (size_t i = 0; i < wkc__requirement_count; i++)
		if (wkc__requirement_list[i].id && strcmp(wkc__requirement_list[i].id, id) == 0)
			return &wkc__requirement_list[i];
	return NULL;
}

const char *wkc__requirement_level(const char *id)
{
	const wkc__requirement *r = wkc__requirement_find(id);
	return r ? r->level : "MUST";
}

size_t wkc__requirement_rank(const char *id)
{
	const wkc__requirement *r = wkc__requirement_find(id);
	return r ? (size_t)(r - wkc__requirement_list) : wkc__requirement_count;
}
