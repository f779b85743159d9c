// SPDX-License-Identifier: GPL-2.0
/*
 * The back end of the hypervisor's vm_event ring (Xen's front end
 * produces requests and consumes responses).
 *
 * The ring page is shared with the hypervisor and, in principle, anything
 * that corrupts it: requests are copied out before they are read and the
 * producer index is checked against the ring size. Responses go into the
 * slot at rsp_prod_pvt, which always trails req_cons, so they can be
 * written in any order relative to the requests they answer.
 *
 * Barrier pairing with Xen's ring macros:
 *   V1 virt_rmb() after reading req_prod   pairs with Xen's virt_wmb()
 *                                           before it publishes req_prod
 *   V2 virt_wmb() before writing rsp_prod  pairs with Xen's virt_rmb()
 *                                           after it reads rsp_prod
 *   V3 virt_mb() between req_event and the re-read of req_prod (the
 *      classic final check; Xen kicks on every request anyway)
 * All callers hold the domain's lock.
 */
#include <linux/string.h>
#include <asm/barrier.h>
#include <kunit/visibility.h>

#include "xenintro.h"

/**
 * xenintro_vmring_init() - initialise a freshly mapped ring page
 * @sring: the shared page
 *
 * Called by a backend before the hypervisor starts using the page, so
 * that no request can be produced against stale indices.
 */
void xenintro_vmring_init(struct xve_sring *sring)
{
	WRITE_ONCE(sring->req_prod, 0);
	WRITE_ONCE(sring->rsp_prod, 0);
	WRITE_ONCE(sring->req_event, 1);
	WRITE_ONCE(sring->rsp_event, 1);
	memset(sring->pvt_pad, 0, sizeof(sring->pvt_pad));
}
EXPORT_SYMBOL_GPL(xenintro_vmring_init);

void xenintro_vmring_attach(struct xenintro_vmring *vr, struct xve_sring *s)
{
	vr->sring = s;
	vr->req_cons = 0;
	vr->rsp_prod_pvt = 0;
	vr->rsp_pushed = 0;
	vr->broken = false;
}
EXPORT_SYMBOL_IF_KUNIT(xenintro_vmring_attach);

/**
 * xenintro_vmring_next_request() - copy out the next request
 * @vr: ring state
 * @req: where to copy it
 *
 * The producer index is checked against the private response producer,
 * not only against req_cons (Xen's RING_REQUEST_PROD_OVERFLOW): requests
 * whose responses are still owed (sync events waiting for a verdict) keep
 * their slots, and the next response goes to slot rsp_prod_pvt. A
 * producer more than a ring ahead of that would let the response land on
 * a request not read yet, so it is as impossible as one that went
 * backwards.
 *
 * Return: 1 if a request was consumed, 0 if there is none, -EIO if the
 * producer index is impossible. A broken ring is not read again; vCPUs
 * that were waiting for a response on it stay paused until the domain is
 * destroyed (Xen's ring disable releases only throttled vCPUs). Only a
 * corrupting hypervisor gets there.
 */
int xenintro_vmring_next_request(struct xenintro_vmring *vr,
				 struct xve_event *req)
{
	u32 prod;

	if (!vr->sring || vr->broken)
		return 0;
	prod = READ_ONCE(vr->sring->req_prod);
	if (prod == vr->req_cons)
		return 0;
	if (!xenintro_ring_span_valid(vr->req_cons, prod, XVE_RING_ENTRIES) ||
	    !xenintro_ring_span_valid(vr->rsp_prod_pvt, prod,
				      XVE_RING_ENTRIES)) {
		vr->broken = true;
		return -EIO;
	}
	virt_rmb(); /* V1 */
	memcpy(req, &vr->sring->ring[vr->req_cons & (XVE_RING_ENTRIES - 1)],
	       sizeof(*req));
	vr->req_cons++;
	return 1;
}
EXPORT_SYMBOL_IF_KUNIT(xenintro_vmring_next_request);

/**
 * xenintro_vmring_put_response() - queue one response
 * @vr: ring state
 * @rsp: the response
 *
 * Every consumed request gets exactly one response, so rsp_prod_pvt never
 * passes req_cons and the slot written is one whose request was copied.
 */
void xenintro_vmring_put_response(struct xenintro_vmring *vr,
				  const struct xve_event *rsp)
{
	if (WARN_ON_ONCE(vr->rsp_prod_pvt == vr->req_cons))
		return;
	memcpy(&vr->sring->ring[vr->rsp_prod_pvt & (XVE_RING_ENTRIES - 1)],
	       rsp, sizeof(*rsp));
	vr->rsp_prod_pvt++;
}
EXPORT_SYMBOL_IF_KUNIT(xenintro_vmring_put_response);

/* Publish queued responses. Returns whether there was anything new. */
bool xenintro_vmring_push(struct xenintro_vmring *vr)
{
	if (vr->rsp_prod_pvt == vr->rsp_pushed)
		return false;
	virt_wmb(); /* V2 */
	WRITE_ONCE(vr->sring->rsp_prod, vr->rsp_prod_pvt);
	vr->rsp_pushed = vr->rsp_prod_pvt;
	return true;
}
EXPORT_SYMBOL_IF_KUNIT(xenintro_vmring_push);

/* Requests wait in the ring (a drain that ran out of budget). */
bool xenintro_vmring_has_request(struct xenintro_vmring *vr)
{
	if (!vr->sring || vr->broken)
		return false;
	return READ_ONCE(vr->sring->req_prod) != vr->req_cons;
}
EXPORT_SYMBOL_IF_KUNIT(xenintro_vmring_has_request);

/* Ask for a kick on the next request; true if one arrived meanwhile. */
bool xenintro_vmring_final_check(struct xenintro_vmring *vr)
{
	if (!vr->sring || vr->broken)
		return false;
	WRITE_ONCE(vr->sring->req_event, vr->req_cons + 1);
	virt_mb(); /* V3 */
	return READ_ONCE(vr->sring->req_prod) != vr->req_cons;
}
EXPORT_SYMBOL_IF_KUNIT(xenintro_vmring_final_check);
