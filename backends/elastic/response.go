package elastic

import (
	"fmt"
	"strings"

	"github.com/detc/detc/internal/rule"
)

// SOARConnectorID is the Kibana connector the rules' actions post to: a
// Webhook connector the deployer creates once with this id
// (POST /api/actions/connector/detc-soar-webhook; docs/response.md).
const SOARConnectorID = "detc-soar-webhook"

// kibanaResponseAction is a detection rule's Elastic Defend response
// action, run by Kibana on each alert's host.
type kibanaResponseAction struct {
	ActionTypeID string               `json:"action_type_id"`
	Params       endpointActionParams `json:"params"`
}

type endpointActionParams struct {
	Command string `json:"command"`
	Comment string `json:"comment"`
}

// kibanaAction is a rule action: a connector run when the rule alerts.
type kibanaAction struct {
	ActionTypeID string            `json:"action_type_id"`
	Group        string            `json:"group"`
	ID           string            `json:"id"`
	Params       map[string]string `json:"params"`
	Frequency    actionFrequency   `json:"frequency"`
}

type actionFrequency struct {
	Summary    bool    `json:"summary"`
	NotifyWhen string  `json:"notifyWhen"`
	Throttle   *string `json:"throttle"`
}

// responses writes the rule's declared response: host isolation as an
// Elastic Defend response action, everything the SIEM cannot do itself
// (blocking, revoking, disabling, notifying) as a webhook to SOAR naming
// the requested actions and the alerts. Nothing without a declaration.
func responses(r *rule.Rule) ([]kibanaResponseAction, []kibanaAction) {
	resp := r.Response
	if resp == nil {
		return nil, nil
	}
	var ra []kibanaResponseAction
	var soar []string
	for _, a := range resp.Actions {
		if a == rule.RespIsolateHost {
			ra = append(ra, kibanaResponseAction{ActionTypeID: ".endpoint", Params: endpointActionParams{
				Command: "isolate", Comment: fmt.Sprintf("detc: isolated by rule %s (%s)", r.ID, r.Title)}})
			continue
		}
		soar = append(soar, a)
	}
	if len(soar) == 0 {
		return ra, nil
	}
	// Mustache renders the rule and alert context; the rest is fixed JSON.
	body := fmt.Sprintf(`{"source":"detc","detc_rule_id":%q,"requested_actions":["%s"],"isolated_by_siem":%t,"rule":"{{rule.name}}","alert_count":"{{state.signals_count}}","alert_ids":"{{#context.alerts}}{{_id}} {{/context.alerts}}"}`,
		r.ID, strings.Join(soar, `","`), resp.Has(rule.RespIsolateHost))
	return ra, []kibanaAction{{
		ActionTypeID: ".webhook", Group: "default", ID: SOARConnectorID,
		Params:    map[string]string{"body": body},
		Frequency: actionFrequency{Summary: false, NotifyWhen: "onActiveAlert"},
	}}
}
