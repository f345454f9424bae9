// Package secretscan writes secret-scanning rules for webhook URLs hard-coded
// in code and scripts: a gitleaks configuration and GitHub secret-scanning
// custom patterns, one rule per webhook service the content pack knows.
//
// The hosts in each rule come from the pack's locals (detections/
// webhooks.hcl), the lists the detections use; the shape of each service's
// URL and secret (ids, token lengths, alphabets) is knowledge about the
// service and lives in the table below.
package secretscan

import (
	"encoding/json"
	"fmt"
	"regexp"
	"sort"
	"strings"

	"github.com/detc/detc/backends/target"
	"github.com/detc/detc/internal/rule"
)

// Files under the secret-scanning folder.
const (
	GitleaksFile = "gitleaks.toml"
	GitHubFile   = "github-custom-patterns.json"
)

// Service is one secret-scanning rule: a webhook URL (or bot token) whose
// regular expression is Before, the secret in a group, then After. In
// Before, {name} stands for the hosts of the local name as an alternation;
// {name.} for its subdomain suffixes (".webhook.office.com") after one or
// more labels.
type Service struct {
	ID, Description string
	Before          string
	Secret          string
	After           string
	// Keywords: gitleaks runs the rule only on text containing one of
	// them (lower case).
	Keywords []string
	// Entropy is the least Shannon entropy of the secret; 0 for none.
	Entropy float64
}

// Services is one rule per webhook service of the pack.
var Services = []Service{
	{ID: "discord-webhook-url", Description: "Discord webhook URL (also ptb/canary clients and versioned API paths): anyone holding it can post to the channel",
		Before: `https?://{discord_hosts}/api/(?:v[0-9]{1,2}/)?webhooks/[0-9]{17,20}/`, Secret: `[A-Za-z0-9_-]{60,80}`,
		Keywords: []string{"discord"}, Entropy: 4},
	{ID: "slack-incoming-webhook-url", Description: "Slack incoming webhook URL",
		Before: `https://{slack_hosts}/services/T[A-Z0-9]{8,12}/B[A-Z0-9]{8,12}/`, Secret: `[A-Za-z0-9]{24}`,
		Keywords: []string{"hooks.slack.com"}, Entropy: 3.5},
	{ID: "slack-workflow-webhook-url", Description: "Slack Workflow Builder trigger URL",
		Before: `https://{slack_hosts}/(?:triggers|workflows)/T[A-Z0-9]{8,12}/(?:[A-Z0-9]{8,12}/)?[0-9]{8,20}/`, Secret: `[a-f0-9]{32}`,
		Keywords: []string{"hooks.slack.com"}, Entropy: 3},
	{ID: "microsoft-teams-webhook-url", Description: "Microsoft Teams / Office 365 connector incoming webhook URL (tenant host or the legacy outlook.office.com form)",
		Before: `https://(?:[a-z0-9-]+{teams_suffixes}/webhookb2|{teams_legacy_hosts}/webhook)/[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}@[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}/IncomingWebhook/`,
		Secret: `[0-9a-f]{32}`, After: `/[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}`,
		Keywords: []string{"webhook.office.com", "outlook.office.com"}, Entropy: 3},
	{ID: "power-automate-trigger-url", Description: "Power Automate / Logic Apps HTTP trigger URL (Teams Workflows webhooks too): the sig parameter is the secret",
		Before: `https://{power_automate_suffixes.}(?::443)?/(?:powerautomate/automations/direct/)?workflows/[0-9a-f]{32}/triggers/manual/paths/invoke/?\?[^\s'"<>]*?sig=`,
		Secret: `[A-Za-z0-9_-]{43}`, Keywords: []string{"paths/invoke"}, Entropy: 4},
	{ID: "telegram-bot-token", Description: "Telegram bot token (in an api.telegram.org URL or beside the word telegram)",
		Before: `(?:https://{telegram_hosts}/bot|(?i:telegram)[\w.-]{0,30}[\s'"]{0,3}(?:=|:|=>)\s{0,3}['"]?)`, Secret: `[0-9]{8,10}:[A-Za-z0-9_-]{35}`,
		Keywords: []string{"telegram"}, Entropy: 3.5},
	{ID: "zapier-webhook-url", Description: "Zapier catch hook URL",
		Before: `https://{zapier_hosts}/hooks/catch/[0-9]{4,10}/`, Secret: `[a-z0-9]{5,12}`, After: `/?`,
		Keywords: []string{"hooks.zapier.com"}, Entropy: 2.5},
	{ID: "make-webhook-url", Description: "Make (Integromat) custom webhook URL",
		Before: `https://{make_hosts}/`, Secret: `[a-z0-9]{32}`,
		Keywords: []string{"make.com", "integromat.com"}, Entropy: 3.5},
	{ID: "ifttt-webhook-key", Description: "IFTTT Webhooks (Maker) key",
		Before: `https://{ifttt_hosts}/(?:trigger/[A-Za-z0-9_-]{1,64}/(?:json/)?with/key|use)/`, Secret: `[A-Za-z0-9_-]{22,43}`,
		Keywords: []string{"maker.ifttt.com"}, Entropy: 3.5},
	{ID: "pipedream-webhook-url", Description: "Pipedream HTTP source endpoint",
		Before: `https://`, Secret: `e[no][a-z0-9]{10,30}`, After: `{pipedream_suffixes}`,
		Keywords: []string{"pipedream.net"}, Entropy: 3},
	{ID: "google-chat-webhook-url", Description: "Google Chat incoming webhook URL: the token parameter is the secret",
		Before: `https://{google_chat_hosts}/v1/spaces/[A-Za-z0-9_-]{6,20}/messages\?[^\s'"<>]*?token=`, Secret: `[A-Za-z0-9_-]{40,50}(?:%3D|=)?`,
		Keywords: []string{"chat.googleapis.com"}, Entropy: 4},
	{ID: "dingtalk-robot-webhook-url", Description: "DingTalk group robot webhook URL",
		Before: `https://oapi\.dingtalk\.com/robot/send\?access_token=`, Secret: `[a-f0-9]{64}`,
		Keywords: []string{"oapi.dingtalk.com"}, Entropy: 3},
	{ID: "feishu-lark-bot-webhook-url", Description: "Feishu / Lark custom bot webhook URL",
		Before: `https://(?:open\.feishu\.cn|open\.larksuite\.com)/open-apis/bot/v2/hook/`, Secret: `[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}`,
		Keywords: []string{"open-apis/bot"}, Entropy: 3},
	{ID: "wecom-bot-webhook-url", Description: "WeCom (WeChat Work) group bot webhook URL",
		Before: `https://qyapi\.weixin\.qq\.com/cgi-bin/webhook/send\?key=`, Secret: `[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}`,
		Keywords: []string{"qyapi.weixin.qq.com"}, Entropy: 3},
	{ID: "request-catcher-url", Description: "Request catcher endpoint (webhook.site, Mocky, Mockbin, RequestBin): a hard-coded one is a ready exfiltration channel",
		Before: `https://(?:webhook\.site/|run\.mocky\.io/v3/|mockbin\.org/bin/|requestbin\.com/r/|requestbin\.net/r/)`, Secret: `[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}|[a-z0-9]{8,12}`,
		Keywords: []string{"webhook.site", "mocky.io", "mockbin.org", "requestbin."}, Entropy: 3},
	{ID: "request-catcher-subdomain", Description: "Request catcher with a per-user subdomain (webhook.site, dnshook.site, requestbin.net, beeceptor)",
		Before: `https://`, Secret: `[a-z0-9-]{6,40}`, After: `{catcher_suffixes}`,
		Keywords: []string{"webhook.site", "dnshook.site", "requestbin.net", "beeceptor.com"}, Entropy: 2.5},
	{ID: "mattermost-webhook-url", Description: "Mattermost (or Rocket.Chat-style) incoming webhook on a self-hosted server: /hooks/ and a 26-character id",
		Before: `https?://[a-z0-9.-]{3,253}(?::[0-9]{2,5})?/hooks/`, Secret: `[a-z0-9]{26}`,
		Keywords: []string{"/hooks/"}, Entropy: 3.5},
}

// allowlist: matches that are placeholders or documentation, never
// secrets: <webhook_id>, XXXX, ${VAR}, {{ var }}, %VAR%, $VAR and the
// usual "your token here" words.
var allowlist = []string{
	`(?i)x{4,}`,
	`\$\{[^}]*\}|\{\{[^}]*\}\}|%[A-Za-z_]+%|\$[A-Za-z_][A-Za-z0-9_]*`,
	`<[^>\s]{1,64}>`,
	`(?i)(?:your|my)[_-]?(?:webhook|token|key|secret|id)|placeholder|redacted`,
}

// After the secret: the end of the token. An explicit After replaces it
// for the services whose secret sits mid-URL.
const defaultAfter = `(?:[^A-Za-z0-9_-]|$)`

// Lists are the locals: name to values.
type Lists = map[string][]rule.RawValue

// Rule is a Service with its hosts filled in.
type Rule struct {
	Service
	Before, After string
}

// Regex is the whole rule: the secret is group 1.
func (r Rule) Regex() string { return r.Before + "(" + r.Secret + ")" + r.After }

var placeholder = regexp.MustCompile(`\{([a-z_]+)(\.?)\}`)

// Rules fills the services' hosts from the locals. A service whose lists
// the detections do not define is left out and named in skipped: a
// detection set without the webhook pack gets no rules for it.
func Rules(lists Lists) (rules []Rule, skipped []string, err error) {
	for _, s := range Services {
		r := Rule{Service: s}
		after := s.After
		if after == "" {
			after = defaultAfter
		}
		var missing string
		r.Before, missing = fill(s.Before, lists)
		if missing == "" {
			r.After, missing = fill(after, lists)
		}
		if missing != "" {
			skipped = append(skipped, fmt.Sprintf("%s (no list %s)", s.ID, missing))
			continue
		}
		if _, err := regexp.Compile(r.Regex()); err != nil {
			return nil, nil, fmt.Errorf("%s: %w", s.ID, err)
		}
		rules = append(rules, r)
	}
	return rules, skipped, nil
}

// fill replaces the {list} placeholders, or names the first list missing.
func fill(tmpl string, lists Lists) (string, string) {
	var missing string
	out := placeholder.ReplaceAllStringFunc(tmpl, func(m string) string {
		sub := placeholder.FindStringSubmatch(m)
		values, ok := lists[sub[1]]
		if !ok || len(values) == 0 {
			missing = sub[1]
			return m
		}
		var alts []string
		for _, v := range values {
			alts = append(alts, regexp.QuoteMeta(strings.ToLower(v.Text)))
		}
		sort.Strings(alts)
		alt := "(?:" + strings.Join(alts, "|") + ")"
		if sub[2] == "." {
			// one or more labels, then a suffix that starts with a dot
			return "(?:[a-z0-9-]+\\.)*[a-z0-9-]+" + alt
		}
		return alt
	})
	return out, missing
}

// Files writes the gitleaks configuration and the GitHub custom patterns;
// nothing when the detections define none of the services' lists.
func Files(lists Lists) ([]target.Artifact, error) {
	rules, skipped, err := Rules(lists)
	if err != nil || len(skipped) == len(Services)-len(literalOnly()) {
		return nil, err
	}
	gh, err := github(rules)
	if err != nil {
		return nil, err
	}
	return []target.Artifact{{Path: GitleaksFile, Data: gitleaks(rules, skipped)}, {Path: GitHubFile, Data: gh}}, nil
}

// literalOnly lists the services that name their hosts themselves, with
// no list of the pack: they alone do not make a detection set a webhook pack.
func literalOnly() []string {
	var out []string
	for _, s := range Services {
		if !placeholder.MatchString(s.Before + s.After) {
			out = append(out, s.ID)
		}
	}
	return out
}

func gitleaks(rules []Rule, skipped []string) []byte {
	var b strings.Builder
	b.WriteString(`# detc: gitleaks rules for hard-coded webhook URLs and bot tokens, one per
# webhook service the detections know. Written by detc build; do not edit.
# Run: gitleaks dir --config gitleaks.toml PATH   (or git, or protect --staged)
# To keep gitleaks' own rules as well, add:  [extend] useDefault = true
`)
	for _, sk := range skipped {
		b.WriteString("# Left out: " + sk + "\n")
	}
	b.WriteString("title = \"detc webhook secrets\"\n\n")
	for _, r := range rules {
		fmt.Fprintf(&b, "[[rules]]\nid = %q\ndescription = %q\nregex = '''%s'''\nsecretGroup = 1\n", r.ID, r.Description, r.Regex())
		if r.Entropy > 0 {
			fmt.Fprintf(&b, "entropy = %g\n", r.Entropy)
		}
		b.WriteString("keywords = [" + quoteAll(r.Keywords) + "]\ntags = [\"webhook\", \"detc\"]\n\n")
	}
	b.WriteString("# Placeholders and templates are never secrets: <webhook_id>, XXXX, ${VAR}, {{ var }}.\n")
	b.WriteString("[[allowlists]]\ndescription = \"placeholders\"\nregexTarget = \"match\"\nregexes = [\n")
	for _, a := range allowlist {
		fmt.Fprintf(&b, "    '''%s''',\n", a)
	}
	b.WriteString("]\n")
	return []byte(b.String())
}

func quoteAll(ss []string) string {
	var q []string
	for _, s := range ss {
		q = append(q, fmt.Sprintf("%q", s))
	}
	return strings.Join(q, ", ")
}

// gitHubPattern is one custom pattern as GitHub's form asks for it
// (Settings → Code security → Secret scanning → Custom patterns).
type gitHubPattern struct {
	Name         string   `json:"name"`
	SecretFormat string   `json:"secret_format"`
	BeforeSecret string   `json:"before_secret"`
	AfterSecret  string   `json:"after_secret"`
	MustNotMatch []string `json:"additional_must_not_match"`
	Description  string   `json:"description"`
}

func github(rules []Rule) ([]byte, error) {
	var out []gitHubPattern
	for _, r := range rules {
		out = append(out, gitHubPattern{
			Name: "detc " + r.ID, SecretFormat: r.Secret,
			BeforeSecret: r.Before, AfterSecret: r.After,
			MustNotMatch: allowlist, Description: r.Description,
		})
	}
	data, err := json.MarshalIndent(out, "", "  ")
	return append(data, '\n'), err
}
