/* config_address.c - the addresses mailvet.yaml names (config.h): libmilter's socket
 * (socket: unix:/PATH, local:/PATH, inet:PORT@HOST, inet6:PORT@HOST, as smfi_setconn reads
 * it, with the reason a value is not one) and the HTTP listen address (metrics_listen,
 * console_listen: IPV4:PORT or [IPV6]:PORT, split and turned into the address to bind).
 * Syntax only: nothing is resolved, bound or connected here, and nothing logged. */
#include <arpa/inet.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>

#include <glib.h>

#include "config.h"
#include "units.h"

/* check_host - an IPv4/IPv6 literal for the family, or a host name */
static bool check_host(const char *host, int family)
{
    unsigned char addr[sizeof(struct in6_addr)];
    size_t len = strlen(host);
    size_t i;

    if (inet_pton(family, host, addr) == 1)
        return true;
    if (len == 0 || len > 253)
        return false;
    for (i = 0; i < len; i++)
        if (!g_ascii_isalnum(host[i]) && host[i] != '-' && host[i] != '.')
            return false;
    return true;
}

/* config_socket_check - libmilter's socket syntax (smfi_setconn): unix:/local:, inet:, inet6: */
bool config_socket_check(const char *s, char *why, size_t size)
{
    const char *rest;
    const char *at;
    const char *p;
    uint64_t port = 0;
    bool overflow = false;
    int family;

    if (strncmp(s, "unix:", 5) == 0 || strncmp(s, "local:", 6) == 0) {
        rest = strchr(s, ':') + 1;
        if (rest[0] != '/') {
            snprintf(why, size, "the socket path must be absolute, got %.100s", s);
            return false;
        }
        if (strlen(rest) >= sizeof(((struct sockaddr_un *)NULL)->sun_path)) {
            snprintf(why, size, "the socket path is longer than %zu bytes, got %.100s",
                     sizeof(((struct sockaddr_un *)NULL)->sun_path) - 1, s);
            return false;
        }
        return true;
    }
    if (strncmp(s, "inet:", 5) == 0) {
        family = AF_INET;
        rest = s + 5;
    } else if (strncmp(s, "inet6:", 6) == 0) {
        family = AF_INET6;
        rest = s + 6;
    } else {
        snprintf(why, size,
                 "must be unix:/PATH, local:/PATH, inet:PORT@HOST or inet6:PORT@HOST, got %.100s",
                 s);
        return false;
    }
    at = strchr(rest, '@');
    if (at == NULL && family == AF_INET && strchr(rest, ':') != NULL) {
        /* The classic mix-up: Postfix's client side writes inet:HOST:PORT. */
        snprintf(why, size,
                 "must be inet:PORT@HOST (HOST:PORT is Postfix's syntax for the other end), "
                 "got %.100s",
                 s);
        return false;
    }
    p = rest;
    if (!units_digits(&p, &port, &overflow) || overflow || p != (at ? at : rest + strlen(rest)) ||
        port < 1 || port > 65535) {
        snprintf(why, size, "the port must be a number between 1 and 65535, got %.100s", s);
        return false;
    }
    if (at != NULL && !check_host(at + 1, family)) {
        snprintf(why, size, "the host must be an %s address or a host name, got %.100s",
                 family == AF_INET ? "IPv4" : "IPv6", s);
        return false;
    }
    return true;
}

/* config_listen_split - "127.0.0.1:9465" or "[::1]:9465" */
bool config_listen_split(const char *text, char *host, size_t size, unsigned *port)
{
    unsigned char addr[sizeof(struct in6_addr)];
    char ip[INET6_ADDRSTRLEN];
    const char *colon;
    const char *p;
    uint64_t n = 0;
    bool overflow = false;
    size_t len;
    int family;

    if (text[0] == '[') {
        const char *close = strchr(text, ']');

        if (close == NULL || close[1] != ':')
            return false;
        family = AF_INET6;
        len = (size_t)(close - text - 1);
        text++;
        colon = close + 1;
    } else {
        colon = strrchr(text, ':');
        if (colon == NULL)
            return false;
        family = AF_INET;
        len = (size_t)(colon - text);
    }
    if (len == 0 || len >= sizeof(ip))
        return false;
    memcpy(ip, text, len);
    ip[len] = '\0';
    if (inet_pton(family, ip, addr) != 1)
        return false;
    p = colon + 1;
    if (!units_digits(&p, &n, &overflow) || overflow || *p != '\0' || n < 1 || n > 65535)
        return false;
    if (host != NULL && size > 0)
        g_strlcpy(host, ip, size);
    if (port != NULL)
        *port = (unsigned)n;
    return true;
}

/* config_listen_sockaddr - the listen address as a struct sockaddr to bind */
bool config_listen_sockaddr(const char *text, struct sockaddr_storage *sa, socklen_t *len)
{
    char host[INET6_ADDRSTRLEN];
    unsigned port;

    if (!config_listen_split(text, host, sizeof(host), &port))
        return false;
    memset(sa, 0, sizeof(*sa));
    if (strchr(host, ':') != NULL) {
        struct sockaddr_in6 *s6 = (struct sockaddr_in6 *)sa;

        s6->sin6_family = AF_INET6;
        s6->sin6_port = htons((uint16_t)port);
        inet_pton(AF_INET6, host, &s6->sin6_addr);
        *len = sizeof(*s6);
    } else {
        struct sockaddr_in *s4 = (struct sockaddr_in *)sa;

        s4->sin_family = AF_INET;
        s4->sin_port = htons((uint16_t)port);
        inet_pton(AF_INET, host, &s4->sin_addr);
        *len = sizeof(*s4);
    }
    return true;
}
