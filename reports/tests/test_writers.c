/* test_writers.c - the escaping every page and JSON output relies on. */
#define _GNU_SOURCE
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "html.h"
#include "writers.h"

static char *html(const char *s, size_t n)
{
	wkc__buf b = {0};
	wkc__html_text(&b, s, n);
	return b.s ? b.s : wkc__xstrdup("");
}

static void html_markup(void **state)
{
	char *s = html("<script>\"a\" & 'b'</script>", (size_t)-1);
	(void)state;
	assert_string_equal(s, "&lt;script&gt;&quot;a&quot; &amp; &#39;b&#39;&lt;/script&gt;");
	free(s);
}

static void html_utf8(void **state)
{
	/* valid 2-, 3- and 4-byte sequences kept; stray, overlong, surrogate,
	 * truncated and control bytes replaced by U+FFFD */
	static const char in[] = "\xc3\xa9 \xe2\x82\xac \xf0\x9f\x98\x80 \xff \xc0\xaf \xed\xa0\x80 \x01\x1b \xe2\x82";
	char *s = html(in, sizeof in - 1);
	(void)state;
	assert_string_equal(s, "\xc3\xa9 \xe2\x82\xac \xf0\x9f\x98\x80 \xef\xbf\xbd \xef\xbf\xbd\xef\xbf\xbd "
			       "\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd \xef\xbf\xbd\xef\xbf\xbd \xef\xbf\xbd\xef\xbf\xbd");
	free(s);
	/* an embedded NUL is a control character, not the end */
	s = html("a\0<b", 4);
	assert_string_equal(s, "a\xef\xbf\xbd&lt;b");
	free(s);
}

static void anchors_and_attributes(void **state)
{
	wkc__buf b = {0};
	(void)state;
	wkc__html_anchor(&b, "javascript:alert(1)\"><x");
	assert_string_equal(b.s, "javascript_alert_1____x");
	wkc__buf_free(&b);
	wkc__html_anchor(&b, "");
	assert_string_equal(b.s, "_");
	wkc__buf_free(&b);
	wkc__html_attr(&b, "a\"b\nc");
	assert_string_equal(b.s, "a&quot;b c");
	wkc__buf_free(&b);
	wkc__html_printf(&b, "<p>%s %zu %d</p>", "<i>", (size_t)3, -1);
	assert_string_equal(b.s, "<p>&lt;i&gt; 3 -1</p>");
	wkc__buf_free(&b);
}

static void json_strings(void **state)
{
	wkc__buf b = {0};
	(void)state;
	wkc__report_json_str(&b, "<a href=\"x\">&\\\n\x01\xc3\xa9\xff");
	assert_string_equal(b.s, "\"\\u003ca href=\\\"x\\\"\\u003e\\u0026\\\\\\u000a\\u0001\xc3\xa9\\ufffd\"");
	wkc__buf_free(&b);
	wkc__report_json_str(&b, NULL);
	assert_string_equal(b.s, "\"\"");
	wkc__buf_free(&b);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(html_markup),
		cmocka_unit_test(html_utf8),
		cmocka_unit_test(anchors_and_attributes),
		cmocka_unit_test(json_strings),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
