/* SPDX-License-Identifier: Apache-2.0 */
/*
 * paths.h - where the tools keep their configuration and state.
 *
 * configure's sysconfdir and localstatedir, passed by Makefile.am: /etc
 * and /var for a build without --prefix (and for the Debian package),
 * PREFIX/etc and PREFIX/var for `./configure --prefix=PREFIX`, so that a
 * prefixed `make install` runs with the files it installed.  Every path
 * here can also be changed at run time (options, mdescan.conf,
 * MDESCAN_CONF and friends).
 */
#ifndef MDESCAN_PATHS_H
#define MDESCAN_PATHS_H

#ifndef MDE_SYSCONFDIR
#define MDE_SYSCONFDIR "/etc"
#endif
#ifndef MDE_LOCALSTATEDIR
#define MDE_LOCALSTATEDIR "/var"
#endif

#define MDE_CONF_DIR MDE_SYSCONFDIR "/mdescan"
#define MDE_STATE_DIR MDE_LOCALSTATEDIR "/lib/mdescan"
#define MDE_CACHE_DIR MDE_LOCALSTATEDIR "/cache/mdescan"
#define MDE_LOG_DIR MDE_LOCALSTATEDIR "/log/mdescan"

#endif
