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

// sentinelCarried are the sources Microsoft Sentinel's own connectors fill.
var sentinelCarried = []carried{
	{Product: "windows", Service: "*", Via: "Windows Forwarded Events connector (WindowsEvent, any channel)"},
	{Category: "ps_module", Product: "windows", Via: "Windows Forwarded Events connector (PowerShell/Operational 4103)"},
	{Category: "ps_classic_start", Product: "windows", Via: "Windows Forwarded Events connector (Windows PowerShell 400)"},
	{Category: "ps_classic_provider_start", Product: "windows", Via: "Windows Forwarded Events connector (Windows PowerShell 600)"},
	{Category: "process_creation", Product: "linux", Via: "Microsoft Defender XDR connector (DeviceProcessEvents, Defender for Endpoint on Linux)"},
	{Category: "file_event", Product: "linux", Via: "Microsoft Defender XDR connector (DeviceFileEvents, Defender for Endpoint on Linux)"},
	{Category: "network_connection", Product: "linux", Via: "Microsoft Defender XDR connector (DeviceNetworkEvents, Defender for Endpoint on Linux)"},
	{Category: "process_creation", Product: "macos", Via: "Microsoft Defender XDR connector (DeviceProcessEvents, Defender for Endpoint on macOS)"},
	{Category: "file_event", Product: "macos", Via: "Microsoft Defender XDR connector (DeviceFileEvents, Defender for Endpoint on macOS)"},
	{Product: "linux", Category: "*", Via: "Syslog connector (Syslog table; Sysmon for Linux events as text)"},
	{Product: "linux", Service: "*", Via: "Syslog connector (Syslog table)"},
	{Product: "azure", Service: "*", Via: "Microsoft Entra ID and Azure Activity connectors (AuditLogs, SigninLogs, AADUserRiskEvents, AzureActivity)"},
	{Product: "m365", Service: "*", Via: "Microsoft 365 connector (OfficeActivity)"},
	{Product: "gcp", Service: "*", Via: "Google Cloud Platform and Google Workspace connectors"},
	{Product: "okta", Via: "Okta Single Sign-On connector"},
	{Product: "aws", Service: "cloudtrail", Via: "Amazon Web Services connector (AWSCloudTrail)"},
	{Product: "github", Via: "GitHub connector"},
	{Category: "firewall", Via: "Common Event Format connector (CommonSecurityLog)"},
}

// collected lists, per target/profile, the log sources the SIEM collects
// beyond those the profile maps: rules on them that a profile refuses
// are a gap of the profile, not a source the SIEM lacks.
var collected = map[string][]carried{
	"splunk/cim": {
		{Product: "windows", Service: "*", Via: "Splunk Add-on for Microsoft Windows (any event log channel, XmlWinEventLog)"},
		{Category: "ps_module", Product: "windows", Via: "Splunk Add-on for Microsoft Windows (PowerShell/Operational 4103)"},
		{Category: "ps_classic_start", Product: "windows", Via: "Splunk Add-on for Microsoft Windows (Windows PowerShell 400)"},
		{Category: "ps_classic_provider_start", Product: "windows", Via: "Splunk Add-on for Microsoft Windows (Windows PowerShell 600)"},
		{Category: "sysmon_error", Product: "windows", Via: "Splunk Add-on for Sysmon (event 255)"},
		{Category: "*", Product: "linux", Via: "Splunk Add-on for Sysmon for Linux"},
		{Product: "linux", Service: "*", Via: "Splunk Add-on for Unix and Linux"},
		{Product: "linux", Via: "Splunk Add-on for Unix and Linux (syslog)"},
		{Product: "azure", Service: "*", Via: "Splunk Add-on for Microsoft Cloud Services"},
		{Product: "m365", Service: "*", Via: "Splunk Add-on for Microsoft Office 365"},
		{Product: "gcp", Service: "*", Via: "Splunk Add-on for Google Cloud Platform, Splunk Add-on for Google Workspace"},
		{Product: "zeek", Service: "*", Via: "Splunk Add-on for Zeek aka Bro"},
		{Category: "firewall", Via: "CIM Network_Traffic data model"},
	},
	"kql/sentinel-asim": sentinelCarried,
	"kql/sentinel-csl":  sentinelCarried,
	"kql/defender-xdr": {
		{Category: "pipe_created", Product: "windows", Via: "DeviceEvents (ActionType NamedPipeEvent)"},
		{Category: "process_access", Product: "windows", Via: "DeviceEvents (ActionType OpenProcessApiCall)"},
		{Category: "driver_load", Product: "windows", Via: "DeviceEvents (ActionType DriverLoad)"},
		{Category: "file_event", Product: "*", Via: "DeviceFileEvents (Windows, Linux, macOS)"},
		{Category: "network_connection", Product: "*", Via: "DeviceNetworkEvents"},
		{Product: "m365", Service: "*", Via: "CloudAppEvents (Microsoft 365 activity)"},
	},
	"elastic/ecs": {
		{Product: "windows", Service: "*", Via: "Windows integration (forwarded and custom channels)"},
		{Category: "ps_module", Product: "windows", Via: "Windows integration (powershell_operational 4103)"},
		{Category: "ps_classic_start", Product: "windows", Via: "Windows integration (powershell 400)"},
		{Category: "ps_classic_provider_start", Product: "windows", Via: "Windows integration (powershell 600)"},
		{Category: "*", Product: "linux", Via: "Elastic Defend, Auditd Manager"},
		{Category: "*", Product: "macos", Via: "Elastic Defend"},
		{Product: "linux", Service: "*", Via: "System integration (auth, syslog)"},
		{Product: "linux", Via: "System integration (syslog)"},
		{Product: "azure", Service: "*", Via: "Azure Logs integration"},
		{Product: "m365", Service: "*", Via: "Microsoft 365 integration"},
		{Product: "gcp", Service: "*", Via: "Google Cloud Platform and Google Workspace integrations"},
		{Product: "zeek", Service: "*", Via: "Zeek integration"},
		{Product: "fortigate", Via: "Fortinet FortiGate integration"},
	},
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
