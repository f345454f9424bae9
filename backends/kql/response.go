package kql

import (
	"fmt"
	"strings"

	"github.com/detc/detc/backends/target"
	"github.com/detc/detc/internal/rule"
)

// Playbooks of the SOAR hand-off, one ARM template each under PlaybookDir,
// written when a rule's response needs them.
const (
	PlaybookDir = "playbooks"
	// IsolatePlaybook isolates the incident's hosts with Microsoft
	// Defender for Endpoint.
	IsolatePlaybook = "detc-isolate-host"
	// HandoffPlaybook posts the incident and its requested actions to the
	// SOAR platform's webhook.
	HandoffPlaybook = "detc-soar-handoff"
	// ResponseLabel prefixes the incident labels naming requested actions.
	ResponseLabel = "detc-response:"
)

// automationRuleOrder places detc's automation rules after an
// organisation's own triage rules (1-99), in Sentinel's 1-1000 range.
const automationRuleOrder = 100

// Template parameters of the playbook resource ids: the playbooks are
// deployed beside the rules, in the same resource group, by default.
var playbookParams = map[string]string{
	IsolatePlaybook: "isolateHostPlaybookId",
	HandoffPlaybook: "soarHandoffPlaybookId",
}

// automationRules writes, for each rule with a declared response, an
// automation rule that runs on the incidents the analytics rule creates:
// it labels the incident with the requested actions, runs the isolation
// playbook when isolate_host is declared and the SOAR hand-off playbook
// for the rest. It returns the resources and the parameters they use.
func automationRules(rules []*AnalyticsRule) ([]any, map[string]armParameter) {
	var out []any
	params := map[string]armParameter{}
	for _, a := range rules {
		resp := a.Response
		if resp == nil {
			continue
		}
		alertRule := fmt.Sprintf("[extensionResourceId(resourceId('Microsoft.OperationalInsights/workspaces', parameters('workspace')), 'Microsoft.SecurityInsights/alertRules', '%s')]", a.ID)
		var labels []map[string]string
		for _, act := range resp.Actions {
			labels = append(labels, map[string]string{"labelName": ResponseLabel + act})
		}
		actions := []map[string]any{{
			"order": 1, "actionType": "ModifyProperties",
			"actionConfiguration": map[string]any{"labels": labels},
		}}
		for _, pb := range playbooksFor(resp) {
			param := playbookParams[pb]
			params[param] = armParameter{Type: "string",
				DefaultValue: fmt.Sprintf("[resourceId('Microsoft.Logic/workflows', '%s')]", pb),
				Metadata:     map[string]string{"description": fmt.Sprintf("Resource id of the %s playbook (%s/%s.json); Microsoft Sentinel needs the Automation Contributor role on its resource group", pb, PlaybookDir, pb)}}
			actions = append(actions, map[string]any{
				"order": len(actions) + 1, "actionType": "RunPlaybook",
				"actionConfiguration": map[string]string{
					"logicAppResourceId": fmt.Sprintf("[parameters('%s')]", param),
					"tenantId":           "[subscription().tenantId]",
				},
			})
		}
		out = append(out, map[string]any{
			"type":       "Microsoft.SecurityInsights/automationRules",
			"apiVersion": armAPIVersion,
			"scope":      "[format('Microsoft.OperationalInsights/workspaces/{0}', parameters('workspace'))]",
			"name":       RuleGUID("automation", a.ID), // one per analytics rule, so per profile
			"dependsOn":  []string{alertRule},
			"properties": map[string]any{
				"displayName": truncate("detc response: "+a.Name, 500),
				"order":       automationRuleOrder,
				"triggeringLogic": map[string]any{
					"isEnabled": true, "triggersOn": "Incidents", "triggersWhen": "Created",
					"conditions": []map[string]any{{
						"conditionType": "Property",
						"conditionProperties": map[string]any{
							"propertyName":   "IncidentRelatedAnalyticRuleIds",
							"operator":       "Contains",
							"propertyValues": []string{alertRule},
						},
					}},
				},
				"actions": actions,
			},
		})
	}
	return out, params
}

// playbooksFor says which playbooks a response runs: isolation in
// Defender for Endpoint, and the SOAR hand-off for every other action.
func playbooksFor(resp *rule.Response) []string {
	if resp == nil {
		return nil
	}
	var out []string
	if resp.Has(rule.RespIsolateHost) {
		out = append(out, IsolatePlaybook)
	}
	if len(resp.Actions) > 1 || !resp.Has(rule.RespIsolateHost) {
		out = append(out, HandoffPlaybook)
	}
	return out
}

// Playbooks writes the Logic App playbooks the rules' automation rules
// run: skeletons to review and deploy (docs/response.md), each an ARM
// template with its Microsoft Sentinel connection.
func Playbooks(rules []*AnalyticsRule) ([]target.Artifact, error) {
	need := map[string]bool{}
	for _, a := range rules {
		for _, pb := range playbooksFor(a.Response) {
			need[pb] = true
		}
	}
	var out []target.Artifact
	for _, pb := range []string{IsolatePlaybook, HandoffPlaybook} {
		if !need[pb] {
			continue
		}
		data, err := armJSON(playbookTemplate(pb))
		if err != nil {
			return nil, err
		}
		out = append(out, target.Artifact{Path: PlaybookDir + "/" + pb + ".json", Data: data})
	}
	return out, nil
}

// workflowSchema is the Logic Apps workflow definition language schema.
const workflowSchema = "https://schema.management.azure.com/providers/Microsoft.Logic/schemas/2016-06-01/workflowdefinition.json#"

// defenderAPI is the Microsoft Defender for Endpoint API the isolation
// playbook calls with its managed identity (which needs the API's
// Machine.Isolate application permission).
const defenderAPI = "https://api.securitycenter.microsoft.com"

func playbookTemplate(name string) armTemplate {
	conn := "[parameters('playbookName')]"
	sentinel := map[string]any{"connection": map[string]string{"name": "@parameters('$connections')['azuresentinel']['connectionId']"}}
	trigger := map[string]any{
		"Microsoft_Sentinel_incident": map[string]any{
			"type": "ApiConnectionWebhook",
			"inputs": map[string]any{
				"body": map[string]string{"callback_url": "@{listCallbackUrl()}"},
				"host": sentinel,
				"path": "/incident-creation",
			},
		},
	}
	var actions map[string]any
	params := map[string]armParameter{"playbookName": {Type: "string", DefaultValue: name, Metadata: map[string]string{"description": "Name of the Logic App"}}}
	wfParams := map[string]any{"$connections": map[string]any{"type": "Object", "defaultValue": map[string]any{}}}
	switch name {
	case IsolatePlaybook:
		actions = map[string]any{
			"Entities_-_Get_Hosts": map[string]any{
				"type": "ApiConnection",
				"inputs": map[string]any{
					"method": "post", "path": "/entities/host", "host": sentinel,
					"body": "@triggerBody()?['object']?['properties']?['relatedEntities']",
				},
				"runAfter": map[string]any{},
			},
			"For_each_host": map[string]any{
				"type":     "Foreach",
				"foreach":  "@body('Entities_-_Get_Hosts')?['Hosts']",
				"runAfter": map[string]any{"Entities_-_Get_Hosts": []string{"Succeeded"}},
				"actions": map[string]any{
					"Isolate_machine": map[string]any{
						"type": "Http",
						"inputs": map[string]any{
							"method": "POST",
							"uri":    defenderAPI + "/api/machines/@{items('For_each_host')?['additionalData']?['MdatpDeviceId']}/isolate",
							"body": map[string]string{
								"Comment":       "detc: isolated for Microsoft Sentinel incident @{triggerBody()?['object']?['properties']?['incidentNumber']}",
								"IsolationType": "Full",
							},
							"authentication": map[string]string{"type": "ManagedServiceIdentity", "audience": defenderAPI},
						},
						"runAfter": map[string]any{},
					},
				},
			},
		}
	case HandoffPlaybook:
		params["soarWebhookUrl"] = armParameter{Type: "securestring", Metadata: map[string]string{"description": "URL of the SOAR platform's webhook that receives incidents"}}
		wfParams["soarWebhookUrl"] = map[string]any{"type": "SecureString", "defaultValue": ""}
		actions = map[string]any{
			"Post_to_SOAR": map[string]any{
				"type": "Http",
				"inputs": map[string]any{
					"method": "POST",
					"uri":    "@parameters('soarWebhookUrl')",
					// The requested actions are the incident's
					// detc-response: labels the automation rule set.
					"body": map[string]string{
						"source":   "detc",
						"incident": "@{triggerBody()?['object']?['id']}",
						"title":    "@{triggerBody()?['object']?['properties']?['title']}",
						"labels":   "@triggerBody()?['object']?['properties']?['labels']",
					},
				},
				"runAfter": map[string]any{},
			},
		}
	}
	workflow := map[string]any{
		"type":       "Microsoft.Logic/workflows",
		"apiVersion": "2019-05-01",
		"name":       conn,
		"location":   "[resourceGroup().location]",
		"identity":   map[string]string{"type": "SystemAssigned"},
		"dependsOn":  []string{"[resourceId('Microsoft.Web/connections', format('azuresentinel-{0}', parameters('playbookName')))]"},
		"tags":       map[string]string{"detc": strings.TrimPrefix(name, "detc-")},
		"properties": map[string]any{
			"state": "Enabled",
			"definition": map[string]any{
				"$schema":        workflowSchema,
				"contentVersion": "1.0.0.0",
				"parameters":     wfParams,
				"triggers":       trigger,
				"actions":        actions,
				"outputs":        map[string]any{},
			},
			"parameters": playbookParamValues(name),
		},
	}
	connection := map[string]any{
		"type":       "Microsoft.Web/connections",
		"apiVersion": "2016-06-01",
		"name":       "[format('azuresentinel-{0}', parameters('playbookName'))]",
		"location":   "[resourceGroup().location]",
		"kind":       "V1",
		"properties": map[string]any{
			"displayName":           "[format('azuresentinel-{0}', parameters('playbookName'))]",
			"customParameterValues": map[string]any{},
			"parameterValueType":    "Alternative",
			"api":                   map[string]string{"id": "[subscriptionResourceId('Microsoft.Web/locations/managedApis', resourceGroup().location, 'azuresentinel')]"},
		},
	}
	return armTemplate{Schema: armSchema, ContentVersion: "1.0.0.0", Parameters: params, Resources: []any{connection, workflow}}
}

func playbookParamValues(name string) map[string]any {
	v := map[string]any{
		"$connections": map[string]any{"value": map[string]any{"azuresentinel": map[string]any{
			"connectionId":         "[resourceId('Microsoft.Web/connections', format('azuresentinel-{0}', parameters('playbookName')))]",
			"connectionName":       "[format('azuresentinel-{0}', parameters('playbookName'))]",
			"id":                   "[subscriptionResourceId('Microsoft.Web/locations/managedApis', resourceGroup().location, 'azuresentinel')]",
			"connectionProperties": map[string]any{"authentication": map[string]string{"type": "ManagedServiceIdentity"}},
		}}},
	}
	if name == HandoffPlaybook {
		v["soarWebhookUrl"] = map[string]string{"value": "[parameters('soarWebhookUrl')]"}
	}
	return v
}
