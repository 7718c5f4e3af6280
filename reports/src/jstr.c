/* jstr.c - JSON string literals for report.json and SARIF: valid UTF-8 kept,
 * invalid bytes become U+FFFD, and '<', '>', '&' are \u-escaped so that the
 * files stay inert even if a page ever embeds them. */
#include "writers.h"

#include <string.h>

void wkc__report_json_str(wkc__buf *b, const char *s)
{
	const unsigned char *p = (const unsigned char *)(s ? s : "");
	wkc__buf_putc(b, '"');
	while (*p) {
		unsigned c = *p;
		size_t k = 0;
		if (c == '"' || c == '\\') {
			wkc__buf_putc(b, '\\');
			wkc__buf_putc(b, (char)c);
			p++;
			continue;
		}
		if (c < 0x20 || c == '<' || c == '>' || c == '&' || c == 0x7f) {
			wkc__buf_printf(b, "\\u%04x", c);
			p++;
			continue;
		}
		if (c < 0x80) {
			wkc__buf_putc(b, (char)c);
			p++;
			continue;
		}
		/* Multi-byte: copy a valid sequence, else one replacement character. */
		if (c >= 0xc2 && c <= 0xdf)
			k = 2;
		else if (c >= 0xe0 && c <= 0xef)
			k = 3;
		else if (c >= 0xf0 && c <= 0xf4)
			k = 4;
		for (size_t i = 1; i < k; i++)
			if ((p[i] & 0xc0) != 0x80)
				k = 0;
		if (k == 3 && ((c == 0xe0 && p[1] < 0xa0) || (c == 0xed && p[1] >= 0xa0)))
			k = 0; /* overlong, surrogate */
		if (k == 4 && ((c == 0xf0 && p[1] < 0x90) || (c == 0xf4 && p[1] >= 0x90)))
			k = 0;
		if (k == 0) {
			wkc__buf_puts(b, "\\ufffd");
			p++;
		} else {
			wkc__buf_add(b, (const char *)p, k);
			p += k;
		}
	}
	wkc__buf_putc(b, '"');
}
