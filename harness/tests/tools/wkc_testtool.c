/*
 * wkc_testtool.c - checks the end-to-end tests make on the files a run
 * writes, without depending on tools the machine may lack.
 *
 *   wkc_testtool xml FILE
 *       FILE is well-formed XML (balanced tags, quoted attributes, known
 *       entities, no stray '<' or '&'); prints "elements N testcase T
 *       failure F skipped S".
 *   wkc_testtool jsonl FILE
 *       every line of FILE is one JSON object, the first a run header and
 *       the others results, each check at most once; prints "results N
 *       pass P fail F skip S".  Exit 1 on any violation.
 *   wkc_testtool field FILE CHECK KEY
 *       prints the string or number KEY of CHECK's result line.
 */
#define _POSIX_C_SOURCE 200809L
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "json.h"
#include "util.h"

static int die(const char *what, const char *file, long where)
{
	fprintf(stderr, "wkc_testtool: %s: %s (at %ld)\n", file, what, where);
	return 1;
}

static int is_name_char(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
	       c == '_' || c == '-' || c == '.' || c == ':';
}

/* Check an entity at p ('&'); returns its length or 0. */
static size_t entity(const char *p)
{
	static const char *named[] = {"&amp;", "&lt;", "&gt;", "&quot;", "&apos;"};
	for (size_t i = 0; i < 5; i++)
		if (strncmp(p, named[i], strlen(named[i])) == 0)
			return strlen(named[i]);
	if (p[1] == '#') {
		size_t n = 2;
		while (p[n] >= '0' && p[n] <= '9')
			n++;
		if (n > 2 && p[n] == ';')
			return n + 1;
	}
	return 0;
}

static int check_xml(const char *file)
{
	char *s = wkc__read_file(file, NULL);
	char *stack[64];
	int depth = 0, elements = 0, testcase = 0, failure = 0, skipped = 0, rc = 0;
	const char *p;
	if (s == NULL)
		return die("cannot read", file, 0);
	p = s;
	if (strncmp(p, "<?xml ", 6) == 0) {
		p = strstr(p, "?>");
		if (p == NULL)
			return die("unterminated XML declaration", file, 0);
		p += 2;
	}
	while (*p && rc == 0) {
		long at = (long)(p - s);
		if ((unsigned char)*p >= 0x80 || ((unsigned char)*p < 0x20 && !strchr("\n\t\r", *p))) {
			rc = die("byte outside printable ASCII", file, at);
		} else if (*p == '&') {
			size_t n = entity(p);
			if (n == 0)
				rc = die("bad entity", file, at);
			p += n ? n : 1;
		} else if (*p == '>') {
			rc = die("stray '>'", file, at);
		} else if (*p != '<') {
			p++;
		} else if (p[1] == '/') {
			const char *name = p + 2, *e = name;
			while (is_name_char(*e))
				e++;
			if (depth == 0 || strlen(stack[depth - 1]) != (size_t)(e - name) ||
			    strncmp(stack[depth - 1], name, (size_t)(e - name)) != 0 || *e != '>')
				rc = die("mismatched closing tag", file, at);
			else
				free(stack[--depth]);
			p = e + 1;
		} else {
			const char *name = p + 1, *e = name;
			char *tag;
			while (is_name_char(*e))
				e++;
			if (e == name)
				return die("bad tag name", file, at);
			tag = wkc__xasprintf("%.*s", (int)(e - name), name);
			elements++;
			testcase += strcmp(tag, "testcase") == 0;
			failure += strcmp(tag, "failure") == 0;
			skipped += strcmp(tag, "skipped") == 0;
			p = e;
			for (;;) { /* attributes */
				while (*p == ' ' || *p == '\n' || *p == '\t')
					p++;
				if (*p == '>' || (p[0] == '/' && p[1] == '>'))
					break;
				if (!is_name_char(*p)) {
					free(tag);
					return die("bad attribute", file, (long)(p - s));
				}
				while (is_name_char(*p))
					p++;
				if (p[0] != '=' || p[1] != '"') {
					free(tag);
					return die("attribute value not quoted", file, (long)(p - s));
				}
				p += 2;
				while (*p && *p != '"') {
					if (*p == '<' || (*p == '&' && entity(p) == 0)) {
						free(tag);
						return die("bad character in attribute", file, (long)(p - s));
					}
					p++;
				}
				if (*p != '"') {
					free(tag);
					return die("unterminated attribute", file, (long)(p - s));
				}
				p++;
			}
			if (*p == '/') {
				free(tag);
				p += 2;
			} else {
				if (depth == 64) {
					free(tag);
					return die("too deep", file, at);
				}
				stack[depth++] = tag;
				p++;
			}
		}
	}
	if (rc == 0 && depth != 0)
		rc = die("unclosed element", file, (long)(p - s));
	if (rc == 0 && elements == 0)
		rc = die("no element", file, 0);
	if (rc == 0)
		printf("elements %d testcase %d failure %d skipped %d\n", elements, testcase, failure,
		       skipped);
	free(s);
	return rc;
}

static int check_jsonl(const char *file, const char *want_check, const char *want_key)
{
	char *s = wkc__read_file(file, NULL), *line, *save = NULL;
	char **seen = NULL;
	size_t nseen = 0, lineno = 0;
	int pass = 0, fail = 0, skip = 0, rc = 0;
	if (s == NULL)
		return die("cannot read", file, 0);
	if (*s && s[strlen(s) - 1] != '\n')
		rc = die("last line is not complete", file, 0);
	for (line = strtok_r(s, "\n", &save); line && rc == 0; line = strtok_r(NULL, "\n", &save)) {
		wkc__json *j = wkc__json_parse(line);
		const char *type, *check, *status;
		lineno++;
		if (j == NULL || j->kind != WKC__J_OBJ) {
			rc = die("line is not a JSON object", file, (long)lineno);
			wkc__json_free(j);
			break;
		}
		type = wkc__json_get_str(j, "type", "");
		if (lineno == 1) {
			if (strcmp(type, "run") != 0)
				rc = die("first line is not the run header", file, 1);
		} else if (strcmp(type, "result") != 0) {
			rc = die("line is not a result", file, (long)lineno);
		} else {
			check = wkc__json_get_str(j, "check", "");
			status = wkc__json_get_str(j, "status", "");
			for (size_t i = 0; i < nseen; i++)
				if (strcmp(seen[i], check) == 0)
					rc = die("a check is recorded twice", file, (long)lineno);
			seen = wkc__xrealloc(seen, (nseen + 1) * sizeof *seen);
			seen[nseen++] = wkc__xstrdup(check);
			pass += strcmp(status, "pass") == 0;
			fail += strcmp(status, "fail") == 0;
			skip += strcmp(status, "skip") == 0;
			if (want_check && strcmp(check, want_check) == 0) {
				const wkc__json *v = wkc__json_get(j, want_key);
				if (v && v->kind == WKC__J_STR)
					printf("%s\n", v->str);
				else if (v && v->kind == WKC__J_NUM)
					printf("%g\n", v->num);
				else if (v && v->kind == WKC__J_BOOL)
					printf("%s\n", v->b ? "true" : "false");
				else
					printf("null\n");
			}
		}
		wkc__json_free(j);
	}
	if (rc == 0 && want_check == NULL)
		printf("results %zu pass %d fail %d skip %d\n", nseen, pass, fail, skip);
	for (size_t i = 0; i < nseen; i++)
		free(seen[i]);
	free(seen);
	free(s);
	return rc;
}

int main(int argc, char **argv)
{
	if (argc == 3 && strcmp(argv[1], "xml") == 0)
		return check_xml(argv[2]);
	if (argc == 3 && strcmp(argv[1], "jsonl") == 0)
		return check_jsonl(argv[2], NULL, NULL);
	if (argc == 5 && strcmp(argv[1], "field") == 0)
		return check_jsonl(argv[2], argv[3], argv[4]);
	fprintf(stderr, "usage: wkc_testtool xml FILE | jsonl FILE | field FILE CHECK KEY\n");
	return 2;
}
