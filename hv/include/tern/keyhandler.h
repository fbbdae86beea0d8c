/* SPDX-License-Identifier: MIT */
/* Debug keys on the serial console (focus on Tern), as Xen's keyhandlers. */
#ifndef TERN_KEYHANDLER_H
#define TERN_KEYHANDLER_H

void handle_debug_key(char key);

#endif
