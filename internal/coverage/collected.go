package coverage

import (
	"strings"

	"github.com/detc/detc/backends/mapping"
	"github.com/detc/detc/backends/target"
	"github.com/detc/detc/internal/rule"
)

// carried is a log source a SIEM collects through a connector its vendor
// ships, whether or not a profile maps it yet: Category, Product and
// Service must equal the rule's where set, "*" meaning any non-empty
// value. Via names the connector.
type carried struct {
	Category, Product, Service string
	Via                        string
}

func (c carried) matches(ls rule.LogSource) bool {
	for _, kv := range [][2]string{{c.Category, ls.Category}, {c.Product, ls.Product}, {c.Service, ls.Service}} {
		switch {
		case kv[0] == "":
		case kv[0] == "*" && kv[1] != "":
		case !strings.EqualFold(kv[0], kv[1]):
			return false
		}
	}
	return true
}

// azureServices are the Azure log sources Microsoft's own exports carry:
// the Azure activity log and Entra ID's audit, sign-in and risk-detection
// logs (the Entra ID diagnostic-setting categories AuditLogs, SignInLogs,
// UserRiskEvents; Microsoft Learn, "Microsoft Entra ID connector for
// Microsoft Sentinel", lists the tables AuditLogs, SigninLogs,
// AADUserRiskEvents). Sigma's azure/pim rules read PIM's security alerts
// (riskEventType ...AlertIncident), which no diagnostic category or
// connector table holds: Microsoft Graph's roleManagementAlerts API serves
// them, and no connector below calls it.
var azureServices = []string{"activitylogs", "auditlogs", "signinlogs", "riskdetection"}

// azure lists the Azure services of azureServices collected via one
// connector.
func azure(via string) []carried {
	var cs []carried
	for _, s := range azureServices {
		cs = append(cs, carried{Product: "azure", Service: s, Via: via})
	}
	return cs
}

// sentinelCarried are the sources Microsoft Sentinel's own connectors fill.
var sentinelCarried = append([]carried{
	// Windows Forwarded Events (Microsoft Learn: "stream all Windows Event
	// Forwarding (WEF) logs", table WindowsEvent) and the AMA data
	// collection rule's custom XPath queries collect any event log channel.
	{Product: "windows", Service: "*", Via: "Windows Forwarded Events connector (WindowsEvent, any channel)"},
	{Category: "ps_module", Product: "windows", Via: "Windows Forwarded Events connector (PowerShell/Operational 4103)"},
	{Category: "ps_classic_start", Product: "windows", Via: "Windows Forwarded Events connector (Windows PowerShell 400)"},
	{Category: "ps_classic_provider_start", Product: "windows", Via: "Windows Forwarded Events connector (Windows PowerShell 600)"},
	{Category: "process_creation", Product: "linux", Via: "Microsoft Defender XDR connector (DeviceProcessEvents, Defender for Endpoint on Linux)"},
	{Category: "file_event", Product: "linux", Via: "Microsoft Defender XDR connector (DeviceFileEvents, Defender for Endpoint on Linux)"},
	{Category: "network_connection", Product: "linux", Via: "Microsoft Defender XDR connector (DeviceNetworkEvents, Defender for Endpoint on Linux)"},
	{Category: "process_creation", Product: "macos", Via: "Microsoft Defender XDR connector (DeviceProcessEvents, Defender for Endpoint on macOS)"},
	{Category: "file_event", Product: "macos", Via: "Microsoft Defender XDR connector (DeviceFileEvents, Defender for Endpoint on macOS)"},
	// The same connector streams DeviceFileEvents for Windows, whose
	// ActionType FileRenamed rows carry PreviousFileName (Microsoft Learn,
	// DeviceFileEvents table).
	{Category: "file_rename", Product: "windows", Via: "Microsoft Defender XDR connector (DeviceFileEvents, ActionType FileRenamed)"},
	{Product: "linux", Category: "*", Via: "Syslog connector (Syslog table; Sysmon for Linux events as text)"},
	// auditd's audisp-syslog plugin writes audit records to syslog
	// (audit-userspace, audisp-syslog(8)); Microsoft's msticpy documents
	// collecting Linux audit logs into the workspace.
	{Product: "linux", Service: "*", Via: "Syslog connector (Syslog table)"},
	// SigmaHQ's rules on product linux alone match keywords in any Linux
	// log, the system's syslog first, which the Syslog connector collects.
	{Product: "linux", Via: "Syslog connector (Syslog table)"},
	// Microsoft Learn, "Azure Kubernetes Service (AKS) connector for
	// Microsoft Sentinel": the kube-audit and kube-audit-admin diagnostic
	// logs (Kubernetes API server audit events).
	{Product: "kubernetes", Service: "audit", Via: "Azure Kubernetes Service (AKS) connector (kube-audit diagnostics)"},
	// The Microsoft 365 connector reads three workloads of the Office 365
	// Management Activity API: Exchange, SharePoint and Teams (the
	// Sentinel REST API's OfficeDataConnector dataTypes exchange,
	// sharePoint, teams; Microsoft's "Audit.General ... not supported with
	// the default connector for Office 365"). Sigma's m365 threat_management
	// and threat_detection rules read Security & Compliance Center alerts
	// (SecurityComplianceAlerts, Audit.General) and its audit rules read
	// Entra ID logons and Threat Intelligence records, none of them in
	// OfficeActivity; only the Exchange admin records of m365/exchange are.
	{Product: "m365", Service: "exchange", Via: "Microsoft 365 connector (OfficeActivity, Exchange workload)"},
	// Microsoft Learn: "Google Cloud Platform Audit Logs" (GCPAuditLogs) and
	// "Google Workspace (G Suite)" (GWorkspace_ReportsAPI_admin_CL,
	// GWorkspace_ReportsAPI_login_CL) connectors.
	{Product: "gcp", Service: "*", Via: "Google Cloud Platform and Google Workspace connectors"},
	{Product: "okta", Via: "Okta Single Sign-On connector"},
	{Product: "aws", Service: "cloudtrail", Via: "Amazon Web Services connector (AWSCloudTrail)"},
	{Product: "github", Via: "GitHub connector"},
	{Category: "firewall", Via: "Common Event Format connector (CommonSecurityLog)"},
}, azure("Microsoft Entra ID and Azure Activity connectors (AuditLogs, SigninLogs, AADUserRiskEvents, AzureActivity)")...)

// collected lists, per target/profile, the log sources the SIEM collects
// beyond those the profile maps: rules on them that a profile refuses
// are a gap of the profile, not a source the SIEM lacks.
var collected = map[string][]carried{
	"splunk/cim": append([]carried{
		{Product: "windows", Service: "*", Via: "Splunk Add-on for Microsoft Windows (any event log channel, XmlWinEventLog)"},
		{Category: "ps_module", Product: "windows", Via: "Splunk Add-on for Microsoft Windows (PowerShell/Operational 4103)"},
		{Category: "ps_classic_start", Product: "windows", Via: "Splunk Add-on for Microsoft Windows (Windows PowerShell 400)"},
		{Category: "ps_classic_provider_start", Product: "windows", Via: "Splunk Add-on for Microsoft Windows (Windows PowerShell 600)"},
		{Category: "sysmon_error", Product: "windows", Via: "Splunk Add-on for Sysmon (event 255)"},
		{Category: "*", Product: "linux", Via: "Splunk Add-on for Sysmon for Linux"},
		{Product: "linux", Service: "*", Via: "Splunk Add-on for Unix and Linux"},
		{Product: "linux", Via: "Splunk Add-on for Unix and Linux (syslog)"},
		// The Office 365 add-on's Management Activity input reads
		// Audit.General too: Splunk's own detections (splunk/security_content,
		// o365_security_and_compliance_alert_triggered: Workload=
		// SecurityComplianceCenter Operation=AlertTriggered;
		// o365_threat_intelligence_suspicious_email_delivered) search it.
		{Product: "m365", Service: "*", Via: "Splunk Add-on for Microsoft Office 365"},
		{Product: "gcp", Service: "*", Via: "Splunk Add-on for Google Cloud Platform, Splunk Add-on for Google Workspace"},
		{Product: "zeek", Service: "*", Via: "Splunk Add-on for Zeek aka Bro"},
		// splunk/security_content data_sources/palo_alto_network_traffic.yml:
		// pan:traffic from the Palo Alto Networks Add-on, CIM Network_Traffic.
		{Category: "firewall", Via: "Palo Alto Networks Add-on (pan:traffic, CIM Network_Traffic)"},
		// The add-on's source types (splunk.github.io/splunk-add-on-for-
		// apache-web-server, Sourcetypes): apache:error is the error log
		// SigmaHQ's apache rules read.
		{Service: "apache", Via: "Splunk Add-on for Apache Web Server (apache:error)"},
	}, azure("Splunk Add-on for Microsoft Cloud Services")...),
	"kql/sentinel-asim": sentinelCarried,
	"kql/sentinel-csl":  sentinelCarried,
	"kql/defender-xdr": {
		{Category: "pipe_created", Product: "windows", Via: "DeviceEvents (ActionType NamedPipeEvent)"},
		{Category: "process_access", Product: "windows", Via: "DeviceEvents (ActionType OpenProcessApiCall)"},
		{Category: "driver_load", Product: "windows", Via: "DeviceEvents (ActionType DriverLoad)"},
		{Category: "file_event", Product: "*", Via: "DeviceFileEvents (Windows, Linux, macOS)"},
		{Category: "network_connection", Product: "*", Via: "DeviceNetworkEvents"},
		// Microsoft Learn, CloudAppEvents, "Apps and services covered":
		// Exchange Online, SharePoint Online, Teams ... from Defender for
		// Cloud Apps' app connectors. Security & Compliance Center alerts
		// (m365 threat_management, threat_detection) are alerts (AlertInfo),
		// not CloudAppEvents rows, and Entra ID logons and Threat
		// Intelligence records (m365 audit) are not among the apps covered.
		{Product: "m365", Service: "exchange", Via: "CloudAppEvents (Exchange Online activity)"},
	},
	"elastic/ecs": append([]carried{
		{Product: "windows", Service: "*", Via: "Windows integration (forwarded and custom channels)"},
		{Category: "ps_module", Product: "windows", Via: "Windows integration (powershell_operational 4103)"},
		{Category: "ps_classic_start", Product: "windows", Via: "Windows integration (powershell 400)"},
		{Category: "ps_classic_provider_start", Product: "windows", Via: "Windows integration (powershell 600)"},
		{Category: "*", Product: "linux", Via: "Elastic Defend, Auditd Manager"},
		{Category: "*", Product: "macos", Via: "Elastic Defend"},
		{Product: "linux", Service: "*", Via: "System integration (auth, syslog)"},
		{Product: "linux", Via: "System integration (syslog)"},
		// The Microsoft 365 integration reads Audit.General too: its pipeline
		// tests (packages/o365/data_stream/audit/_dev/test/pipeline) hold
		// SecurityComplianceAlerts (test-sec-comp-alerts-events.json),
		// ThreatIntelligence and Entra ID STS logon records.
		{Product: "m365", Service: "*", Via: "Microsoft 365 integration"},
		{Product: "gcp", Service: "*", Via: "Google Cloud Platform and Google Workspace integrations"},
		{Product: "zeek", Service: "*", Via: "Zeek integration"},
		{Product: "fortigate", Via: "Fortinet FortiGate integration"},
		// elastic/integrations packages/atlassian_bitbucket, data stream audit.
		{Product: "bitbucket", Service: "audit", Via: "Atlassian Bitbucket integration (audit data stream)"},
		// elastic/integrations packages/apache/data_stream/error and
		// packages/nginx/data_stream/error: the servers' error logs.
		{Service: "apache", Via: "Apache HTTP Server integration (error data stream)"},
		{Service: "nginx", Via: "Nginx integration (error data stream)"},
	}, azure("Azure Logs integration")...),
}

// Collection is how much of what a SIEM collects one profile compiles.
type Collection struct {
	Column Column
	// Mapped counts the rules whose log source the profile maps, and
	// MappedCompiled those of them that compile.
	Mapped, MappedCompiled int
	// Gap counts the rules whose log source the SIEM collects (collected)
	// but the profile does not map; none of them compile.
	Gap int
	// GapSources are those log sources with their rule counts and the
	// connector that collects each.
	GapSources []GapSource
}

// GapSource is one collected log source the profile does not map.
type GapSource struct {
	LogSource string
	Rules     int
	Via       string
}

// Collected is Mapped + Gap: the rules whose log source the SIEM collects.
func (c Collection) Collected() int { return c.Mapped + c.Gap }

// Percent is the share of the collected rules that compile.
func (c Collection) Percent() float64 {
	if c.Collected() == 0 {
		return 0
	}
	return 100 * float64(c.MappedCompiled) / float64(c.Collected())
}

// realSchema returns a column's profile when it maps log sources to a
// real schema (nil for a backend that shows no mapping and for a profile
// that takes any source, such as raw).
func realSchema(b target.Backend, profile string) *mapping.Profile {
	m, ok := b.(mapper)
	if !ok {
		return nil
	}
	p, err := m.Mapping(profile)
	if err != nil || p.Passthrough {
		return nil
	}
	return p
}

// count adds one rule's outcome in a real-schema profile.
func (c *Collection) count(p *mapping.Profile, ls rule.LogSource, compiled bool, gaps map[string]*GapSource) {
	if _, err := p.Alternatives(ls); err == nil {
		c.Mapped++
		if compiled {
			c.MappedCompiled++
		}
		return
	}
	via := gapVia(c.Column, ls)
	if via == "" {
		return
	}
	c.Gap++
	name := logSource(ls)
	if gaps[name] == nil {
		gaps[name] = &GapSource{LogSource: name, Via: via}
	}
	gaps[name].Rules++
}

// gapVia names the connector of a collected source the profile does not
// map ("" when the SIEM is not known to collect it).
func gapVia(col Column, ls rule.LogSource) string {
	for _, c := range collected[col.String()] {
		if c.matches(ls) {
			return c.Via
		}
	}
	return ""
}
