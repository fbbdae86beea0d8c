/* SPDX-License-Identifier: MIT */
/* An event channel between two domains: alloc_unbound, bind_interdomain, send both ways, close. */
#include "lib.h"

const char test_title[] = "interdomain event channel between two domains";

/*
 * Two domains run this guest: server.cfg (extra = "role=server") and client.cfg
 * ("role=client"). Without xenstore there is no channel to exchange a port number, so:
 *  - each side learns its own domid from CPUID base+4 ECX; the peer is peer=<domid> from the
 *    command line, else the server assumes client = own + 1 and the client server = own - 1
 *    (Tern assigns domids in config order, so start the server first);
 *  - the server allocates one port unbound for the client;
 *  - the client probes bind_interdomain(server, p) for p = 1..63 until one succeeds: a
 *    port that is not unbound for this client gives -EINVAL, a server that does not exist
 *    yet -ESRCH, and both mean "try again".
 * Then: client sends, server answers, client acknowledges and closes; the server sees its
 * port return to unbound (remote = client) and closes it.
 */

#define CONNECT_TIMEOUT SEC(60)
#define STEP_TIMEOUT SEC(30)

static domid_t self, peer;

static bool status_is(evtchn_port_t port, uint32_t status, domid_t dom, evtchn_port_t rport)
{
    struct evtchn_status st;

    if (evtchn_status(DOMID_SELF, port, &st))
        return false;
    if (st.status != status)
        return false;
    if (status == EVTCHNSTAT_unbound)
        return st.u.unbound.dom == dom;
    if (status == EVTCHNSTAT_interdomain)
        return st.u.interdomain.dom == dom && (!rport || st.u.interdomain.port == rport);
    return true;
}

static void show_status(const char *what, evtchn_port_t port)
{
    struct evtchn_status st;
    long rc = evtchn_status(DOMID_SELF, port, &st);

    xtf_failure("%s: EVTCHNOP_status(%u) rc %ld, status %u, dom %u, port %u", what, port, rc,
                st.status, st.u.interdomain.dom, st.u.interdomain.port);
}

static void server(void)
{
    evtchn_port_t port;
    struct evtchn_status st;

    long rc;

    /* Interrupts off until the port is registered: a client quick enough to bind and send
     * in between would otherwise have its event taken as a stray by the upcall. */
    irq_disable();
    rc = evtchn_alloc_unbound(peer, &port);
    if (rc == 0)
        evtchn_register(port, 0, NULL, NULL);
    irq_enable();
    if (!check_rc(rc, 0, "EVTCHNOP_alloc_unbound(remote d%u)", peer))
        return;
    printk("server: port %u unbound for d%u; waiting for the client\n", port, peer);
    /* The client may already have bound it (it probes ports as soon as it runs, possibly
     * on the other CPU): unbound for the peer, or connected to it, are both right. */
    if (!status_is(port, EVTCHNSTAT_unbound, peer, 0) &&
        !status_is(port, EVTCHNSTAT_interdomain, peer, 0))
        show_status("fresh unbound port", port);

    if (!check(wait_until(evtchn_count(port) >= 1, CONNECT_TIMEOUT),
               "server: no event from client d%u on port %u within 60 s", peer, port))
        return;
    if (!check_rc(evtchn_status(DOMID_SELF, port, &st), 0, "EVTCHNOP_status(%u)", port))
        return;
    if (!check(st.status == EVTCHNSTAT_interdomain && st.u.interdomain.dom == peer,
               "server: port %u after the client bound: status %u dom %u, expected "
               "interdomain with d%u", port, st.status, st.u.interdomain.dom, peer))
        return;
    printk("server: port %u connected to d%u port %u\n", port, peer, st.u.interdomain.port);

    check_rc(evtchn_send(port), 0, "server: EVTCHNOP_send(%u)", port);
    if (!check(wait_until(evtchn_count(port) >= 2, STEP_TIMEOUT),
               "server: no acknowledgement from the client within 30 s"))
        return;
    /* The client closes its end: ours goes back to unbound, for the client's domid. */
    if (!wait_until(status_is(port, EVTCHNSTAT_unbound, peer, 0), STEP_TIMEOUT))
        show_status("server: port after the client closed its end (expected unbound)", port);
    check_rc(evtchn_send(port), 0, "server: EVTCHNOP_send(%u) while unbound again", port);
    check_rc(evtchn_close(port), 0, "server: EVTCHNOP_close(%u)", port);
}

static void client(void)
{
    evtchn_port_t port = 0, rport = 0;
    uint64_t end = now_ns() + CONNECT_TIMEOUT;
    long rc;

    while (!port && now_ns() < end) {
        for (evtchn_port_t p = 1; p < 64; p++) {
            irq_disable();
            rc = evtchn_bind_interdomain(peer, p, &port);
            if (rc == 0) {
                /* Xen raises the new local port once at bind time; not the server's event. */
                evtchn_clear_pending(port);
                evtchn_register(port, 0, NULL, NULL);
                irq_enable();
                rport = p;
                break;
            }
            irq_enable();
            port = 0;
            if (rc != -EINVAL && rc != -ESRCH) {
                xtf_failure("client: EVTCHNOP_bind_interdomain(d%u, %u): expected 0, -22 "
                            "(EINVAL) or -3 (ESRCH), got %ld (%s)", peer, p, rc,
                            errno_name(rc));
                return;
            }
        }
        if (!port)
            delay_ns(MS(20));
    }
    if (!check(port != 0, "client: no port of d%u was unbound for us within 60 s", peer))
        return;
    printk("client: bound port %u to d%u port %u\n", port, peer, rport);
    if (!status_is(port, EVTCHNSTAT_interdomain, peer, rport))
        show_status("client: freshly bound port", port);
    /* The server's port is no longer unbound: a second bind fails. */
    {
        evtchn_port_t again;

        check_rc(evtchn_bind_interdomain(peer, rport, &again), -EINVAL,
                 "client: EVTCHNOP_bind_interdomain(d%u, %u) a second time", peer, rport);
    }

    check_rc(evtchn_send(port), 0, "client: EVTCHNOP_send(%u)", port);
    if (!check(wait_until(evtchn_count(port) >= 1, STEP_TIMEOUT),
               "client: no answer from the server within 30 s"))
        return;
    check(evtchn_last_vcpu(port) == 0, "client: interdomain event delivered on vCPU%d, not 0",
          evtchn_last_vcpu(port));
    check_rc(evtchn_send(port), 0, "client: EVTCHNOP_send(%u) (acknowledge)", port);
    check_rc(evtchn_close(port), 0, "client: EVTCHNOP_close(%u)", port);
    evtchn_unregister(port);
    if (!status_is(port, EVTCHNSTAT_closed, 0, 0))
        show_status("client: port after close (expected closed)", port);
    check_rc(evtchn_send(port), -EINVAL, "client: EVTCHNOP_send(%u) after close", port);
}

void test_main(void)
{
    char role[16] = "";
    bool is_server;
    long rc = events_init();

    if (rc)
        xtf_fatal("events_init: HVM_PARAM_CALLBACK_IRQ returned %ld (%s)", rc, errno_name(rc));
    if (!cmdline_get("role", role, sizeof(role)) ||
        (strcmp(role, "server") && strcmp(role, "client")))
        xtf_fatal("need role=server or role=client on the command line (got \"%s\")",
                  cmdline());
    is_server = !strcmp(role, "server");
    self = xen_domid();
    if (self == DOMID_INVALID)
        xtf_fatal("CPUID leaf %#x does not give our domid", xen_cpuid_base + 4);
    peer = (domid_t)cmdline_get_int("peer", is_server ? self + 1 : self - 1);
    printk("%s: d%u, peer d%u\n", role, self, peer);
    irq_enable();
    if (is_server)
        server();
    else
        client();
    irq_disable();
    xtf_success();
}
