/* source.c - names of source kinds (source.h). */
#include "source.h"

const char *srv_kind_name(srv_kind k)
{
    switch (k) {
    case SRV_UDP: return "udp";
    case SRV_TCP_CONNECT: return "tcp-connect";
    case SRV_TCP_LISTEN: return "tcp-listen";
    case SRV_REPLAY: return "replay";
    }
    return "?";
}
