/* svg.c - small inline SVG line plots (fuzz campaigns): no script, no fonts
 * beyond the page's own. */
#include <math.h>
#include <stdio.h>

#include "html.h"
#include "pages.h"

void wkc__svg_plot(wkc__buf *b, const char *title, const double *xs, const double *ys, size_t n)
{
	const double W = 360, H = 150, L = 50, R = 10, T = 22, B = 24;
	double x0 = 0, x1 = 1, y1 = 0;
	size_t used = 0;
	bool first = true;
	for (size_t i = 0; i < n; i++) {
		if (ys[i] < 0 || !isfinite(ys[i]) || !isfinite(xs[i]))
			continue;
		if (used == 0)
			x0 = x1 = xs[i];
		x0 = xs[i] < x0 ? xs[i] : x0;
		x1 = xs[i] > x1 ? xs[i] : x1;
		y1 = ys[i] > y1 ? ys[i] : y1;
		used++;
	}
	wkc__buf_printf(b, "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"%.0f\" height=\"%.0f\" role=\"img\" aria-label=\"", W, H);
	wkc__html_attr(b, title);
	wkc__buf_printf(b, "\"><text x=\"%.0f\" y=\"15\" font-size=\"12\">", L);
	wkc__html_str(b, title);
	wkc__buf_puts(b, "</text>");
	if (used == 0) {
		wkc__buf_printf(b, "<text x=\"%.0f\" y=\"%.0f\" font-size=\"12\" fill=\"#888\">no data</text></svg>", L, H / 2);
		return;
	}
	if (x1 <= x0)
		x1 = x0 + 1;
	if (y1 <= 0)
		y1 = 1;
	wkc__buf_printf(b, "<line x1=\"%.0f\" y1=\"%.0f\" x2=\"%.0f\" y2=\"%.0f\" stroke=\"#888\"/>", L, H - B, W - R, H - B);
	wkc__buf_printf(b, "<line x1=\"%.0f\" y1=\"%.0f\" x2=\"%.0f\" y2=\"%.0f\" stroke=\"#888\"/>", L, T, L, H - B);
	wkc__buf_printf(b, "<text x=\"%.0f\" y=\"%.0f\" font-size=\"10\" text-anchor=\"end\">%.4g</text>", L - 3, T + 8, y1);
	wkc__buf_printf(b, "<text x=\"%.0f\" y=\"%.0f\" font-size=\"10\" text-anchor=\"end\">0</text>", L - 3, H - B);
	wkc__buf_printf(b, "<text x=\"%.0f\" y=\"%.0f\" font-size=\"10\">%.4gs</text>", L, H - 8, x0);
	wkc__buf_printf(b, "<text x=\"%.0f\" y=\"%.0f\" font-size=\"10\" text-anchor=\"end\">%.4gs</text>", W - R, H - 8, x1);
	wkc__buf_puts(b, "<polyline fill=\"none\" stroke=\"#2563eb\" stroke-width=\"1.5\" points=\"");
	for (size_t i = 0; i < n; i++) {
		double px, py;
		if (ys[i] < 0 || !isfinite(ys[i]) || !isfinite(xs[i]))
			continue;
		px = L + (xs[i] - x0) / (x1 - x0) * (W - L - R);
		py = (H - B) - ys[i] / y1 * (H - B - T);
		wkc__buf_printf(b, "%s%.1f,%.1f", first ? "" : " ", px, py);
		first = false;
	}
	wkc__buf_puts(b, "\"/></svg>");
}
