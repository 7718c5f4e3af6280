/* wk/wk.h - the whole reference API of wakerconf. */
#ifndef WK_WK_H
#define WK_WK_H

#include "wk/config.h"
#include "wk/waker.h"
#include "wk/context.h"
#include "wk/wake.h"
#include "wk/strategies.h"
#include "wk/future.h"

#endif /* WK_WK_H */
