/* message_decode.h - inside the message module: a part's bytes decoded into its leaf.
 * message.c walks GMime's tree and hands each part's persisted stream here with its
 * transfer encoding; the bytes are decoded once into the leaf through a leafsink, and a
 * text/plain leaf's uuencoded blocks become leaves of their own right after it (at
 * most LIMIT_MAX_UUENCODED_DEFAULT, one more sets MESSAGE_LIMIT_PARTS in lv->flags).
 * Errors (MV_EIO: a read, a temp file) fill the struct mv_err given at init.  With
 * message.c, the only file that calls GMime.  Does not log.  Not shared between
 * threads. */
#ifndef MV_MESSAGE_DECODE_H
#define MV_MESSAGE_DECODE_H

#include <gmime/gmime.h>

#include "message_leaves.h"
#include "mv.h"

/* Bytes decoded per read; the one scratch buffer of a parse. */
#define MESSAGE_DECODE_CHUNK 65536u
/* Room for what a chunk decodes to: base64 gives at most 3 bytes per 4 read, plus the
 * 3 of a quantum begun in the chunk before; quoted-printable never more than it reads */
#define MESSAGE_DECODE_OUT (MESSAGE_DECODE_CHUNK + 16u)

/* The decoding of one parse; lives on the parse's stack. */
struct message_decode {
    struct message_leaves *lv;
    unsigned char *scratch; /* MESSAGE_DECODE_CHUNK bytes */
    unsigned char *decoded; /* MESSAGE_DECODE_OUT bytes: what step_drain() decodes of them */
    struct mv_err *err;
};

/* message_decode_init - D decodes into LV, its failures in ERR; its buffers allocated */
void message_decode_init(struct message_decode *d, struct message_leaves *lv, struct mv_err *err);
/* message_decode_clear - D's buffers released; safe twice */
void message_decode_clear(struct message_decode *d);

/* message_decode_stream - decode RAW (transfer encoding ENC) into leaf LF, as a GMime
 * data wrapper would; LF is MV_LEAF_TRUNCATED when base64 ends mid-quantum or uuencode
 * has no end.  RAW is left reset. */
enum mv_status message_decode_stream(struct message_decode *d, GMimeStream *raw,
                                     GMimeContentEncoding enc, struct message_leaf *lf);
/* message_decode_uuencoded - the uuencoded blocks of text leaf PARENT as leaves
 * "<path>uN" (application/octet-stream, x-uuencode, MV_LEAF_UUENCODED) */
enum mv_status message_decode_uuencoded(struct message_decode *d, struct message_leaf *parent);

#endif
