/* SPDX-License-Identifier: Apache-2.0 */
/*
 * output.h - strings written safely, for every tool: paths escaped for a
 * terminal, JSON strings.  (mdescan's output formats are src/mdescan/out.h.)
 */
#ifndef MDESCAN_OUTPUT_H
#define MDESCAN_OUTPUT_H

#include <stddef.h>
#include <stdio.h>

/* Writes s[0..n) escaped for a terminal: \\ \n \t \xHH. */
void out_text_path(FILE *fp, const char *s, size_t n);

/* Writes s[0..n) as a JSON string (quotes included); invalid UTF-8 bytes
 * become \udcXX.  Returns 1 if s was valid UTF-8. */
int out_json_str(FILE *fp, const char *s, size_t n);

#endif
