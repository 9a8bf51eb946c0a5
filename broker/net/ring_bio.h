#pragma once

typedef struct bio_st BIO;

namespace linecast {

class RingBuffer;

// An OpenSSL BIO that appends what is written to it to a RingBuffer and
// never blocks: a TLS connection's records collect there and leave in one
// write per flush instead of one write() per record, which is what a socket
// BIO does (on 1->1 256 B, about thirty times fewer send calls per message; bench/README,
// "TLS"). The ring grows as needed; the caller bounds what it seals before
// it sends. Reading from it is not supported.
BIO* newRingBio(RingBuffer& ring);

}  // namespace linecast
