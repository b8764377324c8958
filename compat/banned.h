/* SPDX-License-Identifier: Apache-2.0 */
/*
 * banned.h - libc calls this project does not use, made compile errors
 * (as git's banned.h): unbounded copies and formats (sprintf, strcpy,
 * strcat and their n-variants, whose truncation is silent or whose
 * result is unterminated), conversions that cannot report an error
 * (atoi, atol, atoll), and calls with hidden static state (strtok,
 * gmtime, localtime, ctime, asctime).  Use snprintf, memcpy with a
 * checked length, strtol/strtoull with a range check, strtok_r,
 * gmtime_r and localtime_r.
 *
 * Every .c file of lib/ and src/ includes it after all its other
 * headers, so the system headers' own declarations are not touched.
 */
#ifndef MDE_BANNED_H
#define MDE_BANNED_H

#define MDE_BANNED(func) sorry_##func##_is_a_banned_function

#undef strcpy
#define strcpy(x, y) MDE_BANNED(strcpy)
#undef strcat
#define strcat(x, y) MDE_BANNED(strcat)
#undef strncpy
#define strncpy(x, y, n) MDE_BANNED(strncpy)
#undef strncat
#define strncat(x, y, n) MDE_BANNED(strncat)
#undef sprintf
#define sprintf(...) MDE_BANNED(sprintf)
#undef vsprintf
#define vsprintf(...) MDE_BANNED(vsprintf)
#undef gets
#define gets(x) MDE_BANNED(gets)
#undef atoi
#define atoi(x) MDE_BANNED(atoi)
#undef atol
#define atol(x) MDE_BANNED(atol)
#undef atoll
#define atoll(x) MDE_BANNED(atoll)
#undef strtok
#define strtok(x, y) MDE_BANNED(strtok)
#undef gmtime
#define gmtime(t) MDE_BANNED(gmtime)
#undef localtime
#define localtime(t) MDE_BANNED(localtime)
#undef ctime
#define ctime(t) MDE_BANNED(ctime)
#undef asctime
#define asctime(t) MDE_BANNED(asctime)

#endif
