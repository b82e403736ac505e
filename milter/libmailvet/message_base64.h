/* message_base64.h - the common case of base64 decoding, whole quartets at a time.
 * message_decode.c decodes a base64 part with GMime's step decoder, which takes one
 * byte at a time through a state machine; between quanta (the decoder's state 0) a run of
 * quartets of the standard alphabet (A-Z a-z 0-9 + /) decodes the same in any state
 * machine, and message_base64_quartets() does those four bytes at a time.  Everything
 * else (line breaks, padding, bytes outside the alphabet, a quantum split across lines)
 * stays with GMime.  Part of the message module; no GMime here; does not log. */
#ifndef MV_MESSAGE_BASE64_H
#define MV_MESSAGE_BASE64_H

#include <stddef.h>
#include <stdint.h>

/* message_base64_quartets - decode whole quartets of the standard alphabet from the LEN
 * bytes at IN into OUT (room for LEN / 4 * 3 bytes), up to the first quartet that holds
 * any other byte or is short; *USED gets the bytes read (a multiple of 4); returns the
 * bytes written (USED / 4 * 3) */
size_t message_base64_quartets(const unsigned char *in, size_t len, unsigned char *out,
                               size_t *used);

/* A base64 step decoder: GMime's g_mime_encoding_base64_decode_step(), which
 * message_decode.c passes in (it and message.c are the only files that call GMime). */
typedef size_t (*message_base64_step_fn)(const unsigned char *in, size_t len, unsigned char *out,
                                         int *state, uint32_t *save);

/* message_base64_decode - STEP's output and state for the LEN bytes at IN, but the runs
 * of whole quartets between quanta (*STATE 0) go through message_base64_quartets();
 * STEP takes the rest a line at a time, so that each line may start such a run.  OUT
 * has room for what STEP could write (LEN / 4 * 3 + 3) */
size_t message_base64_decode(const unsigned char *in, size_t len, unsigned char *out, int *state,
                             uint32_t *save, message_base64_step_fn step);

#endif
