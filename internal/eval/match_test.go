package eval

import (
	"encoding/base64"
	"testing"
	"unicode/utf16"

	"github.com/stretchr/testify/assert"

	"github.com/detc/detc/internal/rule"
)

type evCase struct {
	doc  string
	want bool
}

type matchCase struct {
	name     string
	searches []searchSpec
	cond     rule.Expr // nil: AND of the searches
	events   []evCase
	// mapOnly marks events whose shape Flatten does not reproduce
	// (objects inside arrays).
	mapOnly bool
}

func b64(s string) string { return base64.StdEncoding.EncodeToString([]byte(s)) }

func utf16le(s string) string {
	var b []byte
	for _, u := range utf16.Encode([]rune(s)) {
		b = append(b, byte(u), byte(u>>8))
	}
	return string(b)
}

var matchCases = []matchCase{
	{
		name:     "equality folds case",
		searches: []searchSpec{search1("sel", f("cs-host", "discord.com"))},
		events: []evCase{
			{`{"cs-host": "Discord.COM"}`, true},
			{`{"cs-host": "discord.com"}`, true},
			{`{"cs-host": "discord.com.evil"}`, false},
			{`{"cs-host": "cdn.discord.com"}`, false},
			{`{"cs-host": ""}`, false},
			{`{}`, false},
			{`{"CS-HOST": "discord.com"}`, false}, // field names are case-sensitive
		},
	},
	{
		name:     "cased is exact",
		searches: []searchSpec{search1("sel", f("cs-host|cased", "Discord.com"))},
		events: []evCase{
			{`{"cs-host": "Discord.com"}`, true},
			{`{"cs-host": "discord.com"}`, false},
		},
	},
	{
		name:     "star wildcard",
		searches: []searchSpec{search1("sel", f("cs-host", "*.discord.com"))},
		events: []evCase{
			{`{"cs-host": "cdn.Discord.com"}`, true},
			{`{"cs-host": ".discord.com"}`, true},
			{`{"cs-host": "discord.com"}`, false},
			{`{"cs-host": "cdn.discord.com.evil"}`, false},
		},
	},
	{
		name:     "question mark is one rune",
		searches: []searchSpec{search1("sel", f("c-uri", "/a?c"))},
		events: []evCase{
			{`{"c-uri": "/abc"}`, true},
			{`{"c-uri": "/aéc"}`, true},
			{`{"c-uri": "/a日c"}`, true},
			{`{"c-uri": "/ac"}`, false},
			{`{"c-uri": "/abbc"}`, false},
		},
	},
	{
		name:     "escaped wildcards are literals",
		searches: []searchSpec{search1("sel", f("c-uri", `/a\*b\?`))},
		events: []evCase{
			{`{"c-uri": "/a*b?"}`, true},
			{`{"c-uri": "/aXb?"}`, false},
			{`{"c-uri": "/a*bX"}`, false},
		},
	},
	{
		name:     "backslash before a wildcard",
		searches: []searchSpec{search1("sel", f("Image", `C:\Windows\\*`))},
		events: []evCase{
			{`{"Image": "C:\\Windows\\System32\\cmd.exe"}`, true},
			{`{"Image": "c:\\windows\\"}`, true},
			{`{"Image": "C:\\Windows"}`, false},
		},
	},
	{
		name:     "plain backslashes need no doubling",
		searches: []searchSpec{search1("sel", f("Image|endswith", `\cmd.exe`))},
		events: []evCase{
			{`{"Image": "C:\\Windows\\System32\\CMD.EXE"}`, true},
			{`{"Image": "C:\\Windows\\System32\\xcmd.exe"}`, false},
		},
	},
	{
		name:     "contains startswith endswith",
		searches: []searchSpec{search1("sel", f("c-uri|contains", "/api/webhooks/"), f("cs-host|endswith", "discord.com"), f("cs-method|startswith", "PO"))},
		events: []evCase{
			{`{"c-uri": "/API/Webhooks/123/abc", "cs-host": "ptb.discord.com", "cs-method": "post"}`, true},
			{`{"c-uri": "/api/webhook/123", "cs-host": "ptb.discord.com", "cs-method": "POST"}`, false},
			{`{"c-uri": "/api/webhooks/1", "cs-host": "discord.com.evil", "cs-method": "POST"}`, false},
			{`{"c-uri": "/api/webhooks/1", "cs-host": "discord.com", "cs-method": "GET"}`, false},
		},
	},
	{
		name:     "wildcards inside contains",
		searches: []searchSpec{search1("sel", f("c-uri|contains", "/webhooks/*/?oken"))},
		events: []evCase{
			{`{"c-uri": "/api/webhooks/123/token"}`, true},
			{`{"c-uri": "/api/webhooks/123/xyz/Token?wait=true"}`, true},
			{`{"c-uri": "/api/webhooks/token"}`, false},
		},
	},
	{
		name:     "values are ORed, all makes them ANDed",
		searches: []searchSpec{search1("or", f("cmd|contains", "curl", "wget")), search1("and", f("cmd|contains|all", "curl", "-d"))},
		cond:     or(ref("and"), and(ref("or"), not(ref("and")))),
		events: []evCase{
			{`{"cmd": "wget http://x"}`, true},
			{`{"cmd": "curl -d @f http://x"}`, true},
			{`{"cmd": "ls"}`, false},
		},
	},
	{
		name:     "unicode simple folding",
		searches: []searchSpec{search1("sel", f("name", "ÄPFEL")), search1("kelvin", f("unit|contains", "kelvin")), search1("sharp", f("word", "STRASSE"))},
		cond:     or(ref("sel"), ref("kelvin"), ref("sharp")),
		events: []evCase{
			{`{"name": "äpfel"}`, true},
			{`{"unit": "10 \u212Aelvin"}`, true}, // the Kelvin sign folds to k
			{`{"word": "straße"}`, false},        // ß is not SS under simple folding
			{`{"name": "apfel"}`, false},
		},
	},
	{
		name:     "case-insensitive contains on non-ASCII text",
		searches: []searchSpec{search1("sel", f("c-useragent|contains", "mozilla"))},
		events: []evCase{
			{`{"c-useragent": "MOZILLA/5.0 (日本語)"}`, true},
			{`{"c-useragent": "curl/8 (日本語)"}`, false},
		},
	},
	{
		name:     "numbers match numbers and numeric strings",
		searches: []searchSpec{search1("sel", f("EventID", 4104))},
		events: []evCase{
			{`{"EventID": 4104}`, true},
			{`{"EventID": "4104"}`, true},
			{`{"EventID": 4104.0}`, true},
			{`{"EventID": 4105}`, false},
			{`{"EventID": "4104 "}`, false},
			{`{"EventID": true}`, false},
		},
	},
	{
		name:     "string values see a number's canonical JSON text",
		searches: []searchSpec{search1("sel", f("EventID", "4104")), search1("pre", f("EventID|startswith", "41")), search1("big", f("size", "1e+21", "1234567"))},
		cond:     or(ref("sel"), ref("pre"), ref("big")),
		events: []evCase{
			{`{"EventID": 4104}`, true},
			{`{"EventID": "4104"}`, true},
			{`{"EventID": 4199}`, true},
			{`{"size": 1000000000000000000000}`, true},
			{`{"size": 1234567}`, true},
			{`{"size": 1234567.5}`, false},
			{`{"EventID": 5104}`, false},
		},
	},
	{
		name:     "bool values",
		searches: []searchSpec{search1("sel", f("enabled", true))},
		events: []evCase{
			{`{"enabled": true}`, true},
			{`{"enabled": "True"}`, true},
			{`{"enabled": false}`, false},
			{`{"enabled": "yes"}`, false},
			{`{"enabled": 1}`, false},
		},
	},
	{
		name:     "null is absent, empty or JSON null",
		searches: []searchSpec{search1("sel", f("referer", nil))},
		events: []evCase{
			{`{}`, true},
			{`{"referer": ""}`, true},
			{`{"referer": null}`, true},
			{`{"referer": []}`, true},
			{`{"referer": "x"}`, false},
			{`{"referer": 0}`, false},
		},
	},
	{
		name:     "empty string is not absent",
		searches: []searchSpec{search1("sel", f("referer", ""))},
		events: []evCase{
			{`{"referer": ""}`, true},
			{`{}`, false},
			{`{"referer": "x"}`, false},
		},
	},
	{
		name:     "a lone star needs the field",
		searches: []searchSpec{search1("sel", f("referer", "*"))},
		events: []evCase{
			{`{"referer": ""}`, true},
			{`{"referer": 12}`, true},
			{`{}`, false},
			{`{"referer": null}`, false},
		},
	},
	{
		name:     "exists true",
		searches: []searchSpec{search1("sel", f("referer|exists", true))},
		events: []evCase{
			{`{"referer": "x"}`, true},
			{`{"referer": ""}`, true},
			{`{"referer": 0}`, true},
			{`{}`, false},
			{`{"referer": null}`, false},
		},
	},
	{
		name:     "exists false",
		searches: []searchSpec{search1("sel", f("referer|exists", false))},
		events: []evCase{
			{`{}`, true},
			{`{"referer": null}`, true},
			{`{"referer": "x"}`, false},
		},
	},
	{
		name:     "neq is a per-value not, true on a missing field",
		searches: []searchSpec{search1("sel", f("cs-method|neq", "GET"))},
		events: []evCase{
			{`{"cs-method": "POST"}`, true},
			{`{"cs-method": "get"}`, false},
			{`{}`, true},
		},
	},
	{
		name:     "neq with several values ORs the negations; neq|all ANDs them",
		searches: []searchSpec{search1("any", f("m|neq", "GET", "POST")), search1("none", f("m|neq|all", "GET", "POST"))},
		cond:     and(ref("any"), not(ref("none"))),
		events: []evCase{
			{`{"m": "GET"}`, true},
			{`{"m": "PUT"}`, false},
		},
	},
	{
		name:     "not of a search on a missing field",
		searches: []searchSpec{search1("sel", f("cs-host|endswith", "discord.com")), search1("filter", f("c-useragent|contains", "Mozilla"))},
		cond:     and(ref("sel"), not(ref("filter"))),
		events: []evCase{
			{`{"cs-host": "discord.com"}`, true},
			{`{"cs-host": "discord.com", "c-useragent": "mozilla/5.0"}`, false},
			{`{"cs-host": "discord.com", "c-useragent": "curl/8"}`, true},
		},
	},
	{
		name:     "gt gte lt lte",
		searches: []searchSpec{search1("gt", f("n|gt", 1000)), search1("gte", f("n|gte", 1000)), search1("lt", f("n|lt", -1.5)), search1("lte", f("n|lte", -1.5))},
		cond:     or(and(ref("gt"), ref("gte")), and(ref("lt"), ref("lte"))),
		events: []evCase{
			{`{"n": 1001}`, true},
			{`{"n": "1001"}`, true},
			{`{"n": "1e4"}`, true},
			{`{"n": 1000}`, false},
			{`{"n": -2}`, true},
			{`{"n": "-1.5"}`, false},
			{`{"n": "abc"}`, false},
			{`{"n": "0x1000"}`, false},
			{`{"n": true}`, false},
			{`{}`, false},
		},
	},
	{
		name:     "gte and lte include the bound",
		searches: []searchSpec{search1("sel", f("n|gte", 1000), f("n|lte", "1000"))},
		events: []evCase{
			{`{"n": 1000}`, true},
			{`{"n": "1000.0"}`, true},
			{`{"n": 1000.5}`, false},
		},
	},
	{
		name:     "regex is case-sensitive and unanchored",
		searches: []searchSpec{search1("sel", f("c-uri|re", `/bot[0-9]+:[A-Za-z0-9_-]+/send`))},
		events: []evCase{
			{`{"c-uri": "https://api.telegram.org/bot123:AAE-x/sendDocument"}`, true},
			{`{"c-uri": "/BOT123:x/send"}`, false},
			{`{"c-uri": 5}`, false},
		},
	},
	{
		name:     "regex i flag",
		searches: []searchSpec{search1("sel", f("c-uri|re|i", `^/BOT\d+`))},
		events: []evCase{
			{`{"c-uri": "/bot123"}`, true},
			{`{"c-uri": "x/bot123"}`, false},
		},
	},
	{
		name:     "regex m flag",
		searches: []searchSpec{search1("m", f("text|re|m", `^b$`)), search1("plain", f("text|re", `^b$`))},
		cond:     and(ref("m"), not(ref("plain"))),
		events: []evCase{
			{`{"text": "a\nb\nc"}`, true},
			{`{"text": "ab"}`, false},
		},
	},
	{
		name:     "regex s flag",
		searches: []searchSpec{search1("s", f("text|re|s", `a.b`)), search1("plain", f("text|re", `a.b`))},
		cond:     and(ref("s"), not(ref("plain"))),
		events: []evCase{
			{`{"text": "a\nb"}`, true},
			{`{"text": "axb"}`, false},
		},
	},
	{
		name:     "cidr v4",
		searches: []searchSpec{search1("sel", f("c-ip|cidr", "10.0.0.0/8", "192.168.1.0/24"))},
		events: []evCase{
			{`{"c-ip": "10.1.2.3"}`, true},
			{`{"c-ip": "192.168.1.200"}`, true},
			{`{"c-ip": "::ffff:10.1.2.3"}`, true},
			{`{"c-ip": "192.168.2.1"}`, false},
			{`{"c-ip": "11.0.0.1"}`, false},
			{`{"c-ip": "not-an-ip"}`, false},
			{`{"c-ip": "10.1.2.3:443"}`, false},
			{`{"c-ip": ""}`, false},
			{`{}`, false},
		},
	},
	{
		name:     "cidr v6",
		searches: []searchSpec{search1("sel", f("c-ip|cidr", "2001:db8::/32", "fe80::/10"))},
		events: []evCase{
			{`{"c-ip": "2001:db8::1"}`, true},
			{`{"c-ip": "2001:DB8:ffff::1"}`, true},
			{`{"c-ip": "fe80::1%eth0"}`, true},
			{`{"c-ip": "2001:db9::1"}`, false},
			{`{"c-ip": "10.0.0.1"}`, false},
		},
	},
	{
		name:     "windash",
		searches: []searchSpec{search1("sel", f("CommandLine|windash|contains", " -enc "))},
		events: []evCase{
			{`{"CommandLine": "powershell -enc AAA"}`, true},
			{`{"CommandLine": "powershell /ENC AAA"}`, true},
			{`{"CommandLine": "powershell \u2013enc AAA"}`, true},
			{`{"CommandLine": "powershell \u2014enc AAA"}`, true},
			{`{"CommandLine": "powershell enc AAA"}`, false},
		},
	},
	{
		name:     "base64offset finds the text at any offset",
		searches: []searchSpec{search1("sel", f("CommandLine|base64offset|contains", "http://evil"))},
		events: []evCase{
			{`{"CommandLine": "powershell -e ` + b64("http://evil.example/x") + `"}`, true},
			{`{"CommandLine": "powershell -e ` + b64("Xhttp://evil.example/x") + `"}`, true},
			{`{"CommandLine": "powershell -e ` + b64("XYhttp://evil.example/x") + `"}`, true},
			{`{"CommandLine": "powershell -e ` + b64("https://good.example/x") + `"}`, false},
		},
	},
	{
		name:     "base64",
		searches: []searchSpec{search1("sel", f("data|base64", "hello"))},
		events: []evCase{
			{`{"data": "aGVsbG8="}`, true},
			{`{"data": "aGVsbG8"}`, false},
		},
	},
	{
		name:     "wide then base64offset",
		searches: []searchSpec{search1("sel", f("CommandLine|wide|base64offset|contains", "ping"))},
		events: []evCase{
			{`{"CommandLine": "-e ` + b64(utf16le("cmd /c ping x")) + `"}`, true},
			{`{"CommandLine": "-e ` + b64(utf16le("cmd /c pong x")) + `"}`, false},
		},
	},
	{
		name:     "keywords search every string value",
		searches: []searchSpec{search1("kw", f("", "evil.exe", "bad*tool"))},
		events: []evCase{
			{`{"Image": "C:\\EVIL.EXE", "n": 1}`, true},
			{`{"a": {"b": {"c": "run evil.exe now"}}}`, true},
			{`{"list": ["x", "BadXTool"]}`, true},
			{`{"Image": "good.exe"}`, false},
			{`{}`, false},
		},
	},
	{
		name:     "keywords do not look at numbers or field names",
		searches: []searchSpec{search1("kw", f("", "4104"))},
		events: []evCase{
			{`{"EventID": 4104}`, false},
			{`{"4104": "x"}`, false},
			{`{"msg": "event 4104 seen"}`, true},
		},
	},
	{
		name:     "keyword lists AND when in one group",
		searches: []searchSpec{searchN("kw", group(f("", "alpha"), f("", "beta")))},
		events: []evCase{
			{`{"a": "alpha", "b": "xbetax"}`, true},
			{`{"a": "alpha"}`, false},
		},
	},
	{
		name:     "nested objects by dotted name",
		searches: []searchSpec{search1("sel", f("a.b.c", "x"))},
		events: []evCase{
			{`{"a": {"b": {"c": "X"}}}`, true},
			{`{"a.b": {"c": "x"}}`, true},
			{`{"a": {"b.c": "x"}}`, true},
			{`{"a.b.c": "x"}`, true},
			{`{"a": {"b": {"c": "y"}}}`, false},
			{`{"a": {"b": "x"}}`, false},
			{`{"a": "x"}`, false},
		},
	},
	{
		name:     "a literal dotted key wins over the nested path",
		searches: []searchSpec{search1("sel", f("a.b", "literal"))},
		events: []evCase{
			{`{"a.b": "literal", "a": {"b": "nested"}}`, true},
		},
	},
	{
		name:     "an object is present but has no text",
		searches: []searchSpec{search1("sel", f("a|exists", true), f("a|neq", "*"))},
		mapOnly:  true, // a flat event names only the object's leaves
		events: []evCase{
			{`{"a": {"b": 1}}`, true},
			{`{"a": "x"}`, false},
		},
	},
	{
		name:     "arrays match when any element does",
		searches: []searchSpec{search1("sel", f("tags", "x")), search1("neq", f("tags|neq", "x"))},
		cond:     and(ref("sel"), not(ref("neq"))),
		events: []evCase{
			{`{"tags": ["y", "X"]}`, true},
			{`{"tags": "x"}`, true},
			{`{"tags": ["y", ["z", "x"]]}`, true},
			{`{"tags": ["y", "z"]}`, false},
			{`{"tags": []}`, false},
		},
	},
	{
		name:     "array elements with numeric comparisons",
		searches: []searchSpec{search1("sel", f("ports|gte", 1024))},
		events: []evCase{
			{`{"ports": [80, 8080]}`, true},
			{`{"ports": [80, 443]}`, false},
		},
	},
	{
		name:     "nested field through an array of objects",
		searches: []searchSpec{search1("sel", f("answers.data", "1.2.3.4"))},
		mapOnly:  true,
		events: []evCase{
			{`{"answers": [{"data": "9.9.9.9"}, {"data": "1.2.3.4"}]}`, true},
			{`{"answers": [{"data": "9.9.9.9"}, {"type": "A"}]}`, false},
			{`{"answers": ["1.2.3.4"]}`, false},
		},
	},
	{
		name:     "fieldref compares two fields",
		searches: []searchSpec{search1("sel", f("dst|fieldref", "src"))},
		events: []evCase{
			{`{"src": "Host-A", "dst": "host-a"}`, true},
			{`{"src": 4104, "dst": "4104"}`, true},
			{`{"src": "host-a", "dst": "host-b"}`, false},
			{`{"dst": "host-a"}`, false},
			{`{"src": "host-a"}`, false},
		},
	},
	{
		name: "fieldref with contains, startswith, endswith, cased",
		searches: []searchSpec{
			search1("c", f("url|fieldref|contains", "host")),
			search1("s", f("url|fieldref|startswith", "scheme")),
			search1("e", f("url|fieldref|endswith", "path")),
			search1("cased", f("url|fieldref|contains|cased", "host")),
		},
		cond: and(ref("c"), ref("s"), ref("e"), not(ref("cased"))),
		events: []evCase{
			{`{"url": "HTTPS://Discord.com/API", "host": "discord.COM", "scheme": "https", "path": "/api"}`, true},
			{`{"url": "https://discord.com/api", "host": "discord.com", "scheme": "https", "path": "/api"}`, false},
			{`{"url": "https://x.com/api", "host": "discord.com", "scheme": "https", "path": "/api"}`, false},
		},
	},
	{
		name:     "fieldref with non-ASCII text",
		searches: []searchSpec{search1("sel", f("a|fieldref|endswith", "b"))},
		events: []evCase{
			{`{"a": "straße ÄPFEL", "b": "äpfel"}`, true},
			{`{"a": "ÄPFEL x", "b": "äpfel"}`, false},
		},
	},
	{
		name:     "neq fieldref is true when a side is missing",
		searches: []searchSpec{search1("sel", f("dst|fieldref|neq", "src"))},
		events: []evCase{
			{`{"dst": "x"}`, true},
			{`{"dst": "x", "src": "X"}`, false},
			{`{"dst": "x", "src": "y"}`, true},
		},
	},
	{
		name:     "a search with several groups is their OR",
		searches: []searchSpec{searchN("sel", group(f("a", "1"), f("b", "2")), group(f("c", "3")))},
		events: []evCase{
			{`{"a": "1", "b": "2"}`, true},
			{`{"c": "3"}`, true},
			{`{"a": "1", "c": "4"}`, false},
		},
	},
	{
		name:     "1 of them excludes underscore searches",
		searches: []searchSpec{search1("sel1", f("a", "1")), search1("sel2", f("b", "2")), search1("_helper", f("c", "3"))},
		cond:     oneOf("them"),
		events: []evCase{
			{`{"a": "1"}`, true},
			{`{"b": "2"}`, true},
			{`{"c": "3"}`, false},
		},
	},
	{
		name:     "all of them excludes underscore searches",
		searches: []searchSpec{search1("sel1", f("a", "1")), search1("sel2", f("b", "2")), search1("_helper", f("c", "3"))},
		cond:     allOf("them"),
		events: []evCase{
			{`{"a": "1", "b": "2"}`, true},
			{`{"a": "1", "c": "3"}`, false},
		},
	},
	{
		name:     "1 of and all of a pattern",
		searches: []searchSpec{search1("sel_a", f("a", "1")), search1("sel_b", f("b", "2")), search1("filter_x", f("x", "1")), search1("filter_y", f("y", "1"))},
		cond:     and(allOf("sel_*"), not(oneOf("filter_*"))),
		events: []evCase{
			{`{"a": "1", "b": "2"}`, true},
			{`{"a": "1", "b": "2", "y": "1"}`, false},
			{`{"a": "1"}`, false},
		},
	},
}

func TestMatch(t *testing.T) {
	for _, tc := range matchCases {
		t.Run(tc.name, func(t *testing.T) {
			p := compile(t, mkRule(t, tc.cond, tc.searches...))
			for _, ev := range tc.events {
				for form, e := range eventForms(t, ev.doc) {
					if tc.mapOnly && form == "flat" {
						continue
					}
					assert.Equal(t, ev.want, p.Match(e), "%s event %s", form, ev.doc)
					assert.Equal(t, ev.want, p.Explain(e).Match, "Explain, %s event %s", form, ev.doc)
				}
			}
		})
	}
}
