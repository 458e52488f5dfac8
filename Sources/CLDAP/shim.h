#ifndef OFFBOARD_CLDAP_SHIM_H
#define OFFBOARD_CLDAP_SHIM_H
#define LDAP_DEPRECATED 0
#include <ldap.h>
#include <stdlib.h>
#include <string.h>
#include <netdb.h>
#include <poll.h>
#include <fcntl.h>
#include <unistd.h>
#include <errno.h>
#include <sys/socket.h>

/* Splits a DN into its first RDN and the rest (its parent), each as a string the caller frees with ldap_memfree;
   parent is an empty string for a one-RDN DN. Returns an LDAP result code (LDAP_SUCCESS, or LDAP_INVALID_DN_SYNTAX). */
static inline int offboard_ldap_split_dn(const char *dn, char **rdn, char **parent) {
    LDAPDN parsed = NULL;
    *rdn = NULL;
    *parent = NULL;
    int rc = ldap_str2dn(dn, &parsed, LDAP_DN_FORMAT_LDAPV3);
    if (rc != LDAP_SUCCESS) return rc;
    if (parsed == NULL || parsed[0] == NULL) { ldap_dnfree(parsed); return LDAP_INVALID_DN_SYNTAX; }
    rc = ldap_rdn2str(parsed[0], rdn, LDAP_DN_FORMAT_LDAPV3);
    if (rc == LDAP_SUCCESS) rc = ldap_dn2str(&parsed[1], parent, LDAP_DN_FORMAT_LDAPV3);
    if (rc == LDAP_SUCCESS && *parent == NULL) *parent = ldap_strdup("");
    ldap_dnfree(parsed);
    return rc;
}

/* The integer option values libldap takes by pointer. */
static inline int offboard_ldap_set_int(LDAP *ld, int option, int value) { return ldap_set_option(ld, option, &value); }

static inline int offboard_ldap_set_timeval(LDAP *ld, int option, long seconds, long microseconds) {
    struct timeval value = { .tv_sec = seconds, .tv_usec = microseconds };
    return ldap_set_option(ld, option, &value);
}

/* ldap_search_ext_s with a time limit in whole seconds (struct timeval stays on this side). */
static inline int offboard_ldap_search(LDAP *ld, const char *base, int scope, const char *filter, char **attrs,
                                       LDAPControl **serverctrls, long seconds, LDAPMessage **res) {
    struct timeval limit = { .tv_sec = seconds, .tv_usec = 0 };
    return ldap_search_ext_s(ld, base, scope, filter, attrs, 0, serverctrls, NULL, &limit, 0, res);
}

/* Whether a TCP connection to host:port opens within timeout_ms: tells a server that is down from one whose TLS
   handshake failed (libldap reports both as "Can't contact LDAP server" on an ldaps:// connection). */
static inline int offboard_tcp_reachable(const char *host, const char *port, int timeout_ms) {
    struct addrinfo hints, *found = NULL, *each;
    memset(&hints, 0, sizeof hints);
    hints.ai_socktype = SOCK_STREAM;
    if (getaddrinfo(host, port, &hints, &found) != 0) return 0;
    int reachable = 0;
    for (each = found; each != NULL && !reachable; each = each->ai_next) {
        int fd = socket(each->ai_family, each->ai_socktype | SOCK_NONBLOCK | SOCK_CLOEXEC, each->ai_protocol);
        if (fd < 0) continue;
        if (connect(fd, each->ai_addr, each->ai_addrlen) == 0) {
            reachable = 1;
        } else if (errno == EINPROGRESS) {
            struct pollfd waiting = { .fd = fd, .events = POLLOUT };
            int error = 0;
            socklen_t length = sizeof error;
            if (poll(&waiting, 1, timeout_ms) == 1 && getsockopt(fd, SOL_SOCKET, SO_ERROR, &error, &length) == 0 && error == 0) reachable = 1;
        }
        close(fd);
    }
    freeaddrinfo(found);
    return reachable;
}

/* LDAP_OPT_OFF is a pointer macro Swift cannot import. */
static inline int offboard_ldap_set_off(LDAP *ld, int option) { return ldap_set_option(ld, option, LDAP_OPT_OFF); }
#endif
