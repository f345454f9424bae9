package elastic

import (
	"errors"
	"fmt"
	"sort"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/detc/detc/backends/elastic/checker"
	"github.com/detc/detc/backends/target"
	"github.com/detc/detc/internal/sigma"
	"github.com/detc/detc/internal/testutil"
)

// saasEvent is one record of a SaaS or network source: its fields as the
// Sigma rule names them (what the evaluator reads) and the document the
// Elastic integration's ingest pipeline makes of it (what Lucene reads),
// after the integrations' pipeline test samples.
type saasEvent struct {
	id    string
	sigma map[string]any
	doc   [][2]string
}

// TestSaaSSourcesOnLucene: SigmaHQ's rules on Bitbucket, Microsoft 365,
// FortiGate and Google Workspace, compiled for ecs, match on real Lucene
// the documents the Elastic integrations index for those records exactly
// as the evaluator matches the records in Sigma's form.
func TestSaaSSourcesOnLucene(t *testing.T) {
	alert := func(id, name, result string) saasEvent {
		outcome := map[string]string{"Succeeded": "success", "Failed": "failure"}[result]
		sigmaStatus := outcome
		return saasEvent{id,
			map[string]any{"eventSource": "SecurityComplianceCenter", "eventName": name, "status": sigmaStatus},
			[][2]string{{"event.provider", "SecurityComplianceCenter"}, {"event.action", "AlertTriggered"}, {"event.code", "SecurityComplianceAlerts"},
				{"rule.name", name}, {"event.outcome", outcome}, {"o365.audit.ResultStatus", result}, {"o365.audit.Status", "Active"}, {"message", "New alert"}}}
	}
	fortigate := func(id, action, cfgpath string) saasEvent {
		return saasEvent{id,
			map[string]any{"action": action, "cfgpath": cfgpath, "cfgobj": "3"},
			[][2]string{{"fortinet.firewall.action", action}, {"fortinet.firewall.cfgpath", cfgpath}, {"fortinet.firewall.cfgobj", "3"},
				{"fortinet.firewall.type", "event"}, {"fortinet.firewall.subtype", "system"}, {"message", action + " " + cfgpath + " 3"}}}
	}
	tests := []struct {
		name, logsource, body string
		types                 map[string]string
		events                []saasEvent
		want                  []string
	}{
		{"bitbucket", "product: bitbucket\n  service: audit",
			// bitbucket_audit_global_permissions_change_detected.yml
			"detection:\n  selection:\n    auditType.category: 'Permissions'\n    auditType.action:\n      - 'Global permission remove request'\n      - 'Global permission removed'\n      - 'Global permission granted'\n      - 'Global permission requested'\n  condition: selection",
			map[string]string{"bitbucket.audit.type.category": tKeyword, "bitbucket.audit.type.action": tKeyword, "event.action": tKeyword},
			[]saasEvent{
				{"granted", map[string]any{"auditType": map[string]any{"category": "Permissions", "action": "Global permission granted"}},
					[][2]string{{"bitbucket.audit.type.category", "Permissions"}, {"bitbucket.audit.type.action", "Global permission granted"}, {"event.action", "bitbucket.service.user.audit.action.globalpermissiongranted"}}},
				{"project-granted", map[string]any{"auditType": map[string]any{"category": "Permissions", "action": "Project permission granted"}},
					[][2]string{{"bitbucket.audit.type.category", "Permissions"}, {"bitbucket.audit.type.action", "Project permission granted"}, {"event.action", "bitbucket.service.user.audit.action.projectpermissiongranted"}}},
				{"user-deleted", map[string]any{"auditType": map[string]any{"category": "Users and groups", "action": "User deleted"}},
					[][2]string{{"bitbucket.audit.type.category", "Users and groups"}, {"bitbucket.audit.type.action", "User deleted"}, {"event.action", "bitbucket.service.user.audit.action.userdeleted"}}},
			},
			[]string{"granted"}},
		{"m365-threat-management", "product: m365\n  service: threat_management",
			// microsoft365_impossible_travel_activity.yml
			"detection:\n  selection:\n    eventSource: SecurityComplianceCenter\n    eventName: 'Impossible travel activity'\n    status: success\n  condition: selection",
			map[string]string{"event.provider": tKeyword, "event.action": tKeyword, "event.code": tKeyword, "rule.name": tKeyword, "event.outcome": tKeyword, "o365.audit.ResultStatus": tKeyword, "o365.audit.Status": tKeyword, "message": "text"},
			[]saasEvent{
				alert("travel", "Impossible travel activity", "Succeeded"),
				alert("travel-failed", "Impossible travel activity", "Failed"),
				alert("other-alert", "Elevation of Exchange admin privilege", "Succeeded"),
				{"exchange", map[string]any{"eventSource": "Exchange", "eventName": "Set-Mailbox", "status": "success"},
					[][2]string{{"event.provider", "Exchange"}, {"event.action", "Set-Mailbox"}, {"event.code", "ExchangeAdmin"}, {"event.outcome", "success"}, {"o365.audit.ResultStatus", "True"}}},
			},
			[]string{"travel"}},
		{"m365-exchange", "product: m365\n  service: exchange",
			// microsoft365_new_federated_domain_added_exchange.yml
			"detection:\n  selection:\n    eventSource: Exchange\n    eventName: 'Add-FederatedDomain'\n    status: success\n  condition: selection",
			map[string]string{"event.provider": tKeyword, "event.action": tKeyword, "event.code": tKeyword, "event.outcome": tKeyword, "o365.audit.ResultStatus": tKeyword},
			[]saasEvent{
				{"added", map[string]any{"eventSource": "Exchange", "eventName": "Add-FederatedDomain", "status": "success"},
					[][2]string{{"event.provider", "Exchange"}, {"event.action", "Add-FederatedDomain"}, {"event.code", "ExchangeAdmin"}, {"event.outcome", "success"}, {"o365.audit.ResultStatus", "True"}}},
				{"refused", map[string]any{"eventSource": "Exchange", "eventName": "Add-FederatedDomain", "status": "failure"},
					[][2]string{{"event.provider", "Exchange"}, {"event.action", "Add-FederatedDomain"}, {"event.code", "ExchangeAdmin"}, {"event.outcome", "failure"}, {"o365.audit.ResultStatus", "False"}}},
				{"other-cmdlet", map[string]any{"eventSource": "Exchange", "eventName": "Set-FederatedOrganizationIdentifier", "status": "success"},
					[][2]string{{"event.provider", "Exchange"}, {"event.action", "Set-FederatedOrganizationIdentifier"}, {"event.code", "ExchangeAdmin"}, {"event.outcome", "success"}, {"o365.audit.ResultStatus", "True"}}},
			},
			[]string{"added"}},
		{"m365-audit-conditional-access", "product: m365\n  service: audit",
			// microsoft365_bypass_conditional_access.yml
			"detection:\n  selection:\n    Operation: 'UserLoggedIn'\n    ApplicationId: '9ba1a5c7-f17a-4de9-a1f1-6178c8d51223'\n    ResultStatus: 'Success'\n    RequestType: 'Cmsi:Cmsi'\n  filter_main_bjectid:\n    ObjectId: '0000000a-0000-0000-c000-000000000000'\n  condition: selection and not 1 of filter_main_*",
			map[string]string{"event.action": tKeyword, "event.provider": tKeyword, "o365.audit.ApplicationId": tKeyword, "o365.audit.ResultStatus": tKeyword,
				"o365.audit.ExtendedProperties.RequestType": tKeyword, "o365.audit.ObjectId": tKeyword},
			[]saasEvent{
				logon("cmsi", "Cmsi:Cmsi", "00000002-0000-0000-c000-000000000000"),
				logon("intune", "Cmsi:Cmsi", "0000000a-0000-0000-c000-000000000000"),
				logon("oauth", "OAuth2:Authorize", "00000002-0000-0000-c000-000000000000"),
			},
			[]string{"cmsi"}},
		{"m365-audit-federated-domain", "product: m365\n  service: audit",
			// microsoft365_new_federated_domain_added_audit.yml
			"detection:\n  selection_domain:\n    Operation|contains: 'domain'\n  selection_operation:\n    Operation|contains:\n      - 'add'\n      - 'new'\n  condition: all of selection_*",
			map[string]string{"event.action": tKeyword, "event.provider": tKeyword},
			[]saasEvent{
				{"add-domain", map[string]any{"Operation": "Add domain to company.", "Workload": "AzureActiveDirectory"},
					[][2]string{{"event.action", "Add domain to company."}, {"event.provider", "AzureActiveDirectory"}}},
				{"set-domain", map[string]any{"Operation": "Set domain authentication.", "Workload": "AzureActiveDirectory"},
					[][2]string{{"event.action", "Set domain authentication."}, {"event.provider", "AzureActiveDirectory"}}},
				{"new-accepted", map[string]any{"Operation": "New-AcceptedDomain", "Workload": "Exchange"},
					[][2]string{{"event.action", "New-AcceptedDomain"}, {"event.provider", "Exchange"}}},
			},
			[]string{"add-domain", "new-accepted"}},
		{"m365-audit-threat-intelligence", "product: m365\n  service: audit",
			// microsoft365_suspicious_email_delivered.yml
			"detection:\n  selection:\n    Workload: 'ThreatIntelligence'\n    Operation: 'TIMailData'\n    Directionality: 'Inbound'\n  filter_main_blocked:\n    DeliveryAction: 'Blocked'\n  condition: selection and not 1 of filter_main_*",
			map[string]string{"event.action": tKeyword, "event.provider": tKeyword, "o365.audit.Directionality": tKeyword, "o365.audit.DeliveryAction": tKeyword},
			[]saasEvent{
				mail("delivered", "Inbound", "Delivered"),
				mail("blocked", "Inbound", "Blocked"),
				mail("outbound", "Outbound", "Delivered"),
			},
			[]string{"delivered"}},
		{"fortigate", "product: fortigate\n  service: event",
			// fortinet_fortigate_new_firewall_policy_added.yml
			"detection:\n  selection:\n    action: 'Add'\n    cfgpath: 'firewall.policy'\n  condition: selection",
			map[string]string{"fortinet.firewall.action": tKeyword, "fortinet.firewall.cfgpath": tKeyword, "fortinet.firewall.cfgobj": tKeyword,
				"fortinet.firewall.type": tKeyword, "fortinet.firewall.subtype": tKeyword, "message": "text"},
			[]saasEvent{
				fortigate("policy-added", "Add", "firewall.policy"),
				fortigate("policy-edited", "Edit", "firewall.policy"),
				fortigate("address-added", "Add", "firewall.address"),
				fortigate("policy6-added", "Add", "firewall.policy6"),
			},
			[]string{"policy-added"}},
		{"workspace-admin", "product: gcp\n  service: google_workspace.admin",
			// gcp_gworkspace_mfa_disabled.yml
			"detection:\n  selection_base:\n    eventService: admin.googleapis.com\n    eventName:\n      - ENFORCE_STRONG_AUTHENTICATION\n      - ALLOW_STRONG_AUTHENTICATION\n  selection_eventValue:\n    new_value: 'false'\n  condition: all of selection*",
			map[string]string{"event.provider": tKeyword, "event.action": tKeyword, "google_workspace.admin.new_value": tKeyword, "google_workspace.admin.old_value": tKeyword},
			[]saasEvent{
				workspace("enforce-off", "ENFORCE_STRONG_AUTHENTICATION", "false"),
				workspace("enforce-on", "ENFORCE_STRONG_AUTHENTICATION", "true"),
				workspace("other-setting", "CHANGE_APPLICATION_SETTING", "false"),
			},
			[]string{"enforce-off"}},
		{"workspace-admin-setting", "product: gcp\n  service: google_workspace.admin",
			// gcp_gworkspace_application_access_levels_modified.yml
			"detection:\n  selection:\n    eventService: 'admin.googleapis.com'\n    eventName: 'CHANGE_APPLICATION_SETTING'\n    setting_name|startswith: 'ContextAwareAccess'\n  condition: selection",
			map[string]string{"event.provider": tKeyword, "event.action": tKeyword, "google_workspace.admin.setting.name": tKeyword},
			[]saasEvent{
				{"caa", map[string]any{"eventService": "admin.googleapis.com", "eventName": "CHANGE_APPLICATION_SETTING", "setting_name": "ContextAwareAccess <AccessLevels>"},
					[][2]string{{"event.provider", "admin"}, {"event.action", "CHANGE_APPLICATION_SETTING"}, {"google_workspace.admin.setting.name", "ContextAwareAccess <AccessLevels>"}}},
				{"drive", map[string]any{"eventService": "admin.googleapis.com", "eventName": "CHANGE_APPLICATION_SETTING", "setting_name": "Drive sharing"},
					[][2]string{{"event.provider", "admin"}, {"event.action", "CHANGE_APPLICATION_SETTING"}, {"google_workspace.admin.setting.name", "Drive sharing"}}},
			},
			[]string{"caa"}},
		{"workspace-login", "product: gcp\n  service: google_workspace.login",
			// gcp_gworkspace_suspicious_login.yml with the service key spelt
			// serviceName (SigmaHQ's Servicename is refused below)
			"detection:\n  selection:\n    protoPayload.serviceName: 'login.googleapis.com'\n    protoPayload.metadata.event.eventName:\n      - 'suspicious_login_less_secure_app'\n      - 'suspicious_login'\n      - 'suspicious_programmatic_login'\n  condition: selection",
			map[string]string{"event.provider": tKeyword, "event.action": tKeyword},
			[]saasEvent{
				login("suspicious", "suspicious_login"),
				login("success", "login_success"),
				login("programmatic", "suspicious_programmatic_login"),
			},
			[]string{"programmatic", "suspicious"}},
	}
	for i, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			src := fmt.Sprintf("title: t\nid: 6f1c2d3e-0000-4000-8000-%012d\nlogsource:\n  %s\n%s\n", 1100+i, tt.logsource, tt.body)
			rules, diags := sigma.LoadFiles(map[string][]byte{"t.yml": []byte(src)})
			require.False(t, diags.HasErrors(), "%v", diags)
			r := rules[0]
			c, err := compile(testutil.Checked(t, r), target.Options{Profile: "ecs", Lang: Lucene})
			require.NoError(t, err)
			seg := checker.Segment{Fields: tt.types, Queries: []checker.Query{{ID: r.ID, Text: c.query.Text}}}
			var fixtures []fixtureEvent
			for _, ev := range tt.events {
				fixtures = append(fixtures, fixtureEvent{ID: ev.id, Fields: ev.sigma})
				seg.Events = append(seg.Events, checker.Event{ID: ev.id, Fields: ev.doc})
			}
			want := evaluatorMatches(t, r, fixtures)
			require.Equal(t, tt.want, want, "the evaluator's side of the test")
			results, err := luceneChecker(t).Run([]checker.Segment{seg})
			require.NoError(t, err)
			require.Len(t, results, 1)
			require.Empty(t, results[0].Err, c.query.Text)
			got := append([]string(nil), results[0].Matches...)
			sort.Strings(got)
			assert.Equal(t, want, got, c.query.Text)
		})
	}
}

// logon is an Entra ID sign-in record (AzureActiveDirectoryStsLogon) as
// the Microsoft 365 integration indexes it.
func logon(id, requestType, objectID string) saasEvent {
	const app = "9ba1a5c7-f17a-4de9-a1f1-6178c8d51223"
	return saasEvent{id,
		map[string]any{"Operation": "UserLoggedIn", "Workload": "AzureActiveDirectory", "ApplicationId": app, "ResultStatus": "Success", "RequestType": requestType, "ObjectId": objectID},
		[][2]string{{"event.action", "UserLoggedIn"}, {"event.provider", "AzureActiveDirectory"}, {"o365.audit.ApplicationId", app},
			{"o365.audit.ResultStatus", "Success"}, {"o365.audit.ExtendedProperties.RequestType", requestType}, {"o365.audit.ObjectId", objectID}}}
}

// mail is a Defender for Office 365 TIMailData record.
func mail(id, direction, delivery string) saasEvent {
	return saasEvent{id,
		map[string]any{"Operation": "TIMailData", "Workload": "ThreatIntelligence", "Directionality": direction, "DeliveryAction": delivery},
		[][2]string{{"event.action", "TIMailData"}, {"event.provider", "ThreatIntelligence"}, {"o365.audit.Directionality", direction}, {"o365.audit.DeliveryAction", delivery}}}
}

// workspace is a Google Workspace admin activity: Sigma names the service
// as Cloud Logging does, the integration by the Reports API's application.
func workspace(id, name, newValue string) saasEvent {
	return saasEvent{id,
		map[string]any{"eventService": "admin.googleapis.com", "eventName": name, "new_value": newValue, "old_value": "x"},
		[][2]string{{"event.provider", "admin"}, {"event.action", name}, {"google_workspace.admin.new_value", newValue}, {"google_workspace.admin.old_value", "x"}}}
}

// login is a Google Workspace login activity.
func login(id, name string) saasEvent {
	return saasEvent{id,
		map[string]any{"protoPayload": map[string]any{"serviceName": "login.googleapis.com", "metadata": map[string]any{"event": map[string]any{"eventName": name}}}},
		[][2]string{{"event.provider", "login"}, {"event.action", name}}}
}

// TestSaaSSourcesRefuse: what the integrations do not keep is refused
// with the reason, and a Workspace service the translation does not know
// is refused rather than compared as written.
func TestSaaSSourcesRefuse(t *testing.T) {
	tests := []struct{ logsource, detection, construct, reason string }{
		{"product: m365\n  service: threat_management",
			"sel:\n    eventSource: SecurityComplianceCenter\n    Payload|contains|all:\n      - 'New-ComplianceSearchAction'\n      - 'Export'\n      - 'pst'",
			`field "Payload"`, "keeps the record's text only in event.original"},
		{"product: gcp\n  service: google_workspace.login",
			"sel:\n    protoPayload.Servicename: 'login.googleapis.com'",
			`field "protoPayload.Servicename"`, "no Workspace audit record has a key of this spelling"},
		{"product: gcp\n  service: google_workspace.admin",
			"sel:\n    eventService: 'drive.googleapis.com'",
			`field "eventService"`, `the value "drive.googleapis.com" has no translation`},
	}
	for i, tt := range tests {
		src := fmt.Sprintf("title: t\nid: 6f1c2d3e-0000-4000-8000-%012d\nlogsource:\n  %s\ndetection:\n  %s\n  condition: sel\n", 1130+i, tt.logsource, tt.detection)
		rules, diags := sigma.LoadFiles(map[string][]byte{"t.yml": []byte(src)})
		require.False(t, diags.HasErrors(), "%v", diags)
		_, err := New().Compile(testutil.Checked(t, rules[0]), target.Options{Profile: "ecs"})
		var refusal *target.Refusal
		require.True(t, errors.As(err, &refusal), "%s: %v", tt.logsource, err)
		assert.Equal(t, tt.construct, refusal.Construct)
		assert.Contains(t, refusal.Reason, tt.reason)
	}
}
