package rule

import (
	"strconv"
	"strings"
)

// Automated responses a detection may declare (HCL: a response block;
// Sigma: detc's custom response key). None runs unless declared; the
// backends write each in their SIEM's native form (docs/response.md).
const (
	RespIsolateHost    = "isolate_host"    // EDR network isolation of the host in the alert
	RespBlockEndpoint  = "block_endpoint"  // add the webhook URL or host to the block lists
	RespDisableWebhook = "disable_webhook" // revoke the webhook at its service (through SOAR)
	RespDisableAccount = "disable_account" // disable the user account in the alert
	RespNotify         = "notify"          // page the on-call analyst through SOAR
)

// ResponseActions lists every action, in the order files list them.
var ResponseActions = []string{RespIsolateHost, RespBlockEndpoint, RespDisableWebhook, RespDisableAccount, RespNotify}

// Response is what a detection automates when it alerts.
type Response struct {
	// Actions are ResponseActions values, each at most once, in
	// ResponseActions order.
	Actions []string
	Pos     Pos
}

// Has reports whether the response declares the action.
func (r *Response) Has(action string) bool {
	if r == nil {
		return false
	}
	for _, a := range r.Actions {
		if a == action {
			return true
		}
	}
	return false
}

// Manual returns the actions of ResponseActions the response leaves to
// the analyst.
func (r *Response) Manual() []string {
	var out []string
	for _, a := range ResponseActions {
		if !r.Has(a) {
			out = append(out, a)
		}
	}
	return out
}

// NewResponse checks a declared list: it returns the response with its
// actions in canonical order, and a problem (unknown or repeated action,
// empty list) to report at pos, or "".
func NewResponse(actions []string, pos Pos) (*Response, string) {
	if len(actions) == 0 {
		return nil, "a response needs at least one action (" + strings.Join(ResponseActions, ", ") + "); leave the block out to automate nothing"
	}
	seen := map[string]bool{}
	for _, a := range actions {
		known := false
		for _, k := range ResponseActions {
			known = known || a == k
		}
		switch {
		case !known:
			return nil, "unknown response action " + strconv.Quote(a) + " (actions: " + strings.Join(ResponseActions, ", ") + ")"
		case seen[a]:
			return nil, "response action " + strconv.Quote(a) + " is listed twice"
		}
		seen[a] = true
	}
	r := &Response{Pos: pos}
	for _, k := range ResponseActions {
		if seen[k] {
			r.Actions = append(r.Actions, k)
		}
	}
	return r, ""
}

// ResponseDescriptions say in words what each action does, for runbooks.
var ResponseDescriptions = map[string]string{
	RespIsolateHost:    "isolate the host from the network (EDR)",
	RespBlockEndpoint:  "block the webhook endpoint at the proxy, firewall and DNS",
	RespDisableWebhook: "disable or delete the webhook at its service and rotate its secret",
	RespDisableAccount: "disable the user account involved",
	RespNotify:         "notify the on-call analyst",
}
