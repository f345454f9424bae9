package lower_test

import (
	"math/rand/v2"
	"slices"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/detc/detc/backends/elastic"
	"github.com/detc/detc/backends/kql"
	"github.com/detc/detc/backends/mapping"
	"github.com/detc/detc/backends/target"
	"github.com/detc/detc/internal/eval"
	"github.com/detc/detc/internal/rule"
	"github.com/detc/detc/internal/testutil"
	"github.com/detc/detc/internal/testutil/corpus"
)

// accountRules are the forms SigmaHQ's rules compare Sysmon's User with.
var accountRules = []string{
	"User|contains:\n      - 'AUTHORI'\n      - 'AUTORI'",
	`User: 'NT AUTHORITY\SYSTEM'`,
	`User|endswith: '\SYSTEM'`,
	`User|startswith: 'NT AUTHORITY\NETWORK'`,
	`User|contains: 'AUTHORITY\LOCAL S'`,
	`User|startswith: 'NT'`,
	`User|endswith: 'AUTHORITY\SYSTEM'`,
	"User|endswith:\n      - 'SERVICE'\n      - 'SYSTEM'\n    CommandLine|contains: 'whoami'",
	"User|contains|all:\n      - 'NT AUTH'\n      - 'SYS'",
}

// accountProfile splits User and ParentUser as Defender and the Elastic
// Windows integration do.
func accountProfile(t *testing.T) *mapping.Profile {
	p, err := mapping.Parse("account.yml", []byte(`name: account
sources:
  - logsource: {category: process_creation}
    fields:
      User: {account: {domain: User.domain, name: User.name}}
      User.domain: User.domain
      User.name: User.name
      ParentUser: {account: {domain: ParentUser.domain, name: ParentUser.name}}
      ParentUser.domain: ParentUser.domain
      ParentUser.name: ParentUser.name
      CommandLine: CommandLine
      Image: Image
      ParentImage: ParentImage
`), mapping.Schema{})
	require.NoError(t, err)
	return p
}

// TestAccountSplitAgreesWithEvaluator: on generated Windows events
// (accounts made of the parts of the rule's values, other parts and
// localized names, in any case), the rule on Sysmon's DOMAIN\name and the
// split rule on the domain and name fields decide alike, for the test
// rules and every SigmaHQ rule the split accepts.
func TestAccountSplitAgreesWithEvaluator(t *testing.T) {
	var rules []*rule.Rule
	for i, s := range accountRules {
		rules = append(rules, loadRule(t, s, 200+i))
	}
	p := accountProfile(t)
	assert.Equal(t, len(accountRules), checkSplitAgreement(t, rules, p, accountEvent))
}

func TestAccountSplitAgreesWithEvaluatorOnCorpus(t *testing.T) {
	var rules []*rule.Rule
	for _, r := range corpus.Rules(t) {
		fields := corpus.Fields(r)
		if r.Aggregation == nil && strings.EqualFold(r.LogSource.Product, "windows") && r.LogSource.Category == "process_creation" &&
			(slices.Contains(fields, "User") || slices.Contains(fields, "ParentUser")) {
			rules = append(rules, r)
		}
	}
	p := accountProfile(t)
	checked := checkSplitAgreement(t, rules, p, accountEvent)
	assert.Greater(t, checked, 10, "SigmaHQ's process creation rules on User or ParentUser that the split accepts")
}

// accountEvent writes User and ParentUser as Sysmon does (DOMAIN\name)
// and as the target does (two fields, in lower case as Defender writes
// them), from pieces of the rule's values.
func accountEvent(rng *rand.Rand, r *rule.Rule, sysmon, split eval.MapEvent) {
	pieces := []string{"NT AUTHORITY", "AUTORITE NT", "SYSTEM", "LOCAL SERVICE", "CORP", "alice", "NETWORK SERVICE"}
	for _, s := range r.Searches {
		for _, g := range s.Groups {
			for _, m := range g.Matchers {
				for _, v := range m.Values {
					if lit, ok := v.Pattern.Literal(); ok && (m.Field == "User" || m.Field == "ParentUser") {
						for _, part := range strings.Split(lit, `\`) {
							if part != "" {
								pieces = append(pieces, part, "x"+part, part+"x")
							}
						}
					}
				}
			}
		}
	}
	for _, field := range []string{"User", "ParentUser"} {
		if rng.IntN(6) == 0 {
			continue // absent
		}
		domain, name := pieces[rng.IntN(len(pieces))], pieces[rng.IntN(len(pieces))]
		sysmon[field] = domain + `\` + name
		split[field+".domain"], split[field+".name"] = strings.ToLower(domain), strings.ToLower(name)
	}
}

// Through the backends: Defender's and ECS's queries compare the domain
// and name columns, and a form the split cannot keep is the target's
// refusal at the value.
func TestAccountThroughBackends(t *testing.T) {
	tests := []struct {
		name      string
		backend   target.Backend
		opts      target.Options
		logsource string
		selection string
		want      []string
		refusal   string
	}{
		{"defender file event", kql.New(), target.Options{Profile: "defender-xdr"}, "file_event", `User: 'NT AUTHORITY\SYSTEM'`,
			[]string{`InitiatingProcessAccountDomain =~ "NT AUTHORITY"`, `InitiatingProcessAccountName =~ "SYSTEM"`}, ""},
		{"defender parent user", kql.New(), target.Options{Profile: "defender-xdr"}, "process_creation", `ParentUser|endswith: '\SYSTEM'`,
			[]string{`InitiatingProcessAccountName =~ "SYSTEM"`}, ""},
		{"ecs process creation", elastic.New(), target.Options{Profile: "ecs", Lang: "eql"}, "process_creation", "User|contains: 'AUTHORI'",
			[]string{"user.domain", "user.name"}, ""},
		{"no domain", kql.New(), target.Options{Profile: "defender-xdr"}, "registry_set", "User: 'SYSTEM'", nil, "has no domain"},
	}
	for i, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := loadRule(t, tt.selection, 300+i)
			r.LogSource.Category = tt.logsource
			q, err := tt.backend.Compile(testutil.Checked(t, r), tt.opts)
			if tt.refusal != "" {
				var ref *target.Refusal
				require.ErrorAs(t, err, &ref)
				assert.Contains(t, ref.Reason, tt.refusal)
				assert.Equal(t, 6, ref.Pos.Line)
				return
			}
			require.NoError(t, err)
			for _, w := range tt.want {
				assert.Contains(t, q.Text, w)
			}
		})
	}
}
