/* report_cmd.h - the `report` and `merge` subcommands (cli.c dispatches). */
#ifndef WKC_REPORTS_REPORT_CMD_H
#define WKC_REPORTS_REPORT_CMD_H

int wkc__cmd_report(int argc, char **argv);
int wkc__cmd_merge(int argc, char **argv);

#endif /* WKC_REPORTS_REPORT_CMD_H */
