package build

import (
	"errors"
	"fmt"
	"github.com/detc/detc/internal/check"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/detc/detc/backends/mapping"
	"github.com/detc/detc/backends/target"
	"github.com/detc/detc/internal/rule"
	"github.com/detc/detc/internal/testutil"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// fake compiles a rule to "<name>:<id>" and packages one file per rule plus
// an index. It refuses rules whose id is in refuse, refuses in Package the
// rules whose id is in refusePackage and, with failPackage, fails in
// Package, after Compile succeeded for every rule.
type fake struct {
	name          string
	refuse        map[string]bool
	refusePackage map[string]bool
	failPackage   bool
	paths         []string // when set, Package writes these paths instead
}

func (f *fake) Name() string       { return f.name }
func (f *fake) Profiles() []string { return []string{"default", "raw"} }
func (f *fake) Langs() []string    { return []string{"q"} }
func (f *fake) Title() string      { return "Fake " + f.name }
func (f *fake) Variants() []string { return nil }

func (f *fake) Compile(r *check.Rule, opts target.Options) (*target.Query, error) {
	profile := opts.Profile
	if profile == "" {
		profile = "default"
	}
	if f.refuse[r.ID] {
		return nil, target.Refuse(r.Rule, f.name, profile, r.Pos, "the construct", "the reason")
	}
	return &target.Query{Rule: r, Target: f.name, Profile: profile, Text: f.name + ":" + r.ID}, nil
}

func (f *fake) Package(ds []target.Deployable, opts target.Options) ([]target.Artifact, []*target.Refusal, error) {
	if f.failPackage {
		return nil, nil, errors.New("disk on fire")
	}
	if f.paths != nil {
		var out []target.Artifact
		for _, p := range f.paths {
			out = append(out, target.Artifact{Path: p, Data: []byte("x")})
		}
		return out, nil, nil
	}
	var out []target.Artifact
	var refusals []*target.Refusal
	var index strings.Builder
	for _, d := range ds {
		r := d.Query.Rule
		if f.refusePackage[r.ID] {
			refusals = append(refusals, target.Refuse(r.Rule, f.name, d.Query.Profile, r.Pos, "its deployment file", "too long"))
			continue
		}
		out = append(out, target.Artifact{Path: "rules/" + r.ID + ".txt", Data: []byte(d.Query.Text + "\n" + d.Runbook)})
		fmt.Fprintf(&index, "%s %s enabled=%t\n", r.ID, d.Version, d.Enabled)
	}
	return append(out, target.Artifact{Path: "index.txt", Data: []byte(index.String())}), refusals, nil
}

// rules are stand-ins for checked rules: the fake backends read only
// their metadata.
func rules() []*check.Rule {
	return []*check.Rule{
		{Rule: &rule.Rule{ID: "r1", Title: "One", Pos: rule.Pos{File: "a.hcl", Line: 1, Col: 1}}},
		{Rule: &rule.Rule{ID: "r2", Title: "Two", Pos: rule.Pos{File: "a.hcl", Line: 9, Col: 1}}},
		{Rule: &rule.Rule{ID: "p1", Title: "Pivot", Tags: []string{rule.PivotTag}, Pos: rule.Pos{File: "b.hcl", Line: 1, Col: 1}}},
	}
}

func entries(t *testing.T, dir string) []string {
	t.Helper()
	es, err := os.ReadDir(dir)
	require.NoError(t, err)
	var names []string
	for _, e := range es {
		names = append(names, e.Name())
	}
	return names
}

func TestRunWritesTree(t *testing.T) {
	out := filepath.Join(t.TempDir(), "out")
	res, err := Run(rules(), Options{
		Out:         out,
		Deployments: Defaults([]target.Backend{&fake{name: "zeta"}, &fake{name: "alpha", refuse: map[string]bool{"r2": true}}}),
		Runbook:     func(r *check.Rule) (string, error) { return "# " + r.Title + "\n", nil },
		Brief:       func(r *rule.Rule) string { return "brief of " + r.Title + "\n" },
		Extras: []Extra{{Dir: "navigator", Generate: func(rs []*rule.Rule) ([]target.Artifact, error) {
			return []target.Artifact{{Path: "layer.json", Data: []byte(fmt.Sprint(len(rs)))}}, nil
		}}},
	})
	require.NoError(t, err)
	got := testutil.ReadTree(t, out)
	assert.Equal(t, []string{
		".detc-build", "alpha/index.txt", "alpha/rules/r1.txt", "navigator/layer.json", "refusals.json",
		"runbooks/r1.md", "runbooks/r2.md", "zeta/index.txt", "zeta/rules/r1.txt", "zeta/rules/r2.txt",
	}, res.Files)
	assert.Len(t, got, len(res.Files))
	assert.Equal(t, "zeta:r1\nbrief of One\n", got["zeta/rules/r1.txt"], "deployment files carry the brief")
	assert.Equal(t, "# One\n", got["runbooks/r1.md"], "the whole runbook is beside them")
	assert.Equal(t, "2", got["navigator/layer.json"], "pivots are not deployed")
	assert.Equal(t, `[
  {
    "rule_id": "r2",
    "file": "a.hcl",
    "line": 9,
    "column": 1,
    "target": "alpha",
    "profile": "default",
    "message": "rule r2: alpha/default cannot express the construct: the reason"
  }
]
`, got["refusals.json"])
	require.Len(t, res.Refusals, 1)
	assert.Equal(t, "a.hcl:9:1: warning: rule r2: alpha/default cannot express the construct: the reason", res.Refusals[0].Diagnostic(rule.Warning).String())
	assert.Equal(t, []string{"out"}, entries(t, filepath.Dir(out)), "no temporary folder is left beside the output")
}

// An extra that writes its files as it makes them (Extra.Write, from
// several goroutines) ends up in the output like one that returns them;
// when it fails, the build fails and leaves nothing beside the output.
func TestExtraWrite(t *testing.T) {
	dir := t.TempDir()
	out := filepath.Join(dir, "out")
	deps := Defaults([]target.Backend{&fake{name: "a"}})
	write := func(fail bool) Extra {
		return Extra{Dir: "site", Write: func(rs []*rule.Rule, add func(target.Artifact) error) error {
			var wg sync.WaitGroup
			errs := make([]error, len(rs))
			for i, r := range rs {
				wg.Add(1)
				go func() {
					defer wg.Done()
					errs[i] = add(target.Artifact{Path: "pages/" + r.ID + ".html", Data: []byte(r.Title)})
				}()
			}
			wg.Wait()
			if fail {
				return errors.New("template broken")
			}
			return errors.Join(errs...)
		}}
	}
	res, err := Run(rules(), Options{Out: out, Deployments: deps, Extras: []Extra{write(false)}})
	require.NoError(t, err)
	got := testutil.ReadTree(t, out)
	assert.Equal(t, "One", got["site/pages/r1.html"])
	assert.Contains(t, res.Files, "site/pages/r2.html")
	before := got

	_, err = Run(rules(), Options{Out: out, Deployments: deps, Extras: []Extra{write(true)}})
	assert.EqualError(t, err, "site: template broken")
	assert.Equal(t, before, testutil.ReadTree(t, out))
	assert.Equal(t, []string{"out"}, entries(t, dir))

	_, err = Run(rules(), Options{Out: out, Deployments: deps, Extras: []Extra{write(false), {Dir: "site", Write: func(rs []*rule.Rule, add func(target.Artifact) error) error {
		return add(target.Artifact{Path: "pages/r1.html"})
	}}}})
	assert.EqualError(t, err, "site: two artifacts are written to site/pages/r1.html")
	assert.Equal(t, []string{"out"}, entries(t, dir))
}

func TestRunIsDeterministic(t *testing.T) {
	dir := t.TempDir()
	opts := Options{Deployments: Defaults([]target.Backend{&fake{name: "a"}, &fake{name: "b", refuse: map[string]bool{"r1": true}}})}
	opts.Out = filepath.Join(dir, "one")
	_, err := Run(rules(), opts)
	require.NoError(t, err)
	opts.Out = filepath.Join(dir, "two")
	_, err = Run(rules(), opts)
	require.NoError(t, err)
	assert.Equal(t, testutil.ReadTree(t, filepath.Join(dir, "one")), testutil.ReadTree(t, filepath.Join(dir, "two")))
}

func TestFailedBuildKeepsPreviousOutput(t *testing.T) {
	dir := t.TempDir()
	out := filepath.Join(dir, "out")
	_, err := Run(rules(), Options{Out: out, Deployments: Defaults([]target.Backend{&fake{name: "a"}})})
	require.NoError(t, err)
	before := testutil.ReadTree(t, out)

	tests := []struct {
		name string
		opts Options
		want string
	}{
		{"package fails", Options{Deployments: Defaults([]target.Backend{&fake{name: "a"}, &fake{name: "b", failPackage: true}})}, "b: packaging failed: disk on fire"},
		{"runbook fails", Options{Deployments: Defaults([]target.Backend{&fake{name: "a"}}), Runbook: func(*check.Rule) (string, error) { return "", errors.New("no card") }}, "a.hcl:1:1: error: runbook of rule r1: no card"},
		{"strict with a refusal", Options{Strict: true, Deployments: Defaults([]target.Backend{&fake{name: "a", refuse: map[string]bool{"r2": true}}, &fake{name: "b"}})}, "a target refused a rule (1 refusals; --strict)"},
		{"path escapes", Options{Deployments: Defaults([]target.Backend{&fake{name: "a", paths: []string{"../../etc/passwd"}}})}, `a: artifact path "../../etc/passwd" is not a relative path inside the output folder`},
		{"absolute path", Options{Deployments: Defaults([]target.Backend{&fake{name: "a", paths: []string{"/tmp/x"}}})}, `a: artifact path "/tmp/x" is not a relative path inside the output folder`},
		{"two artifacts, one path", Options{Deployments: Defaults([]target.Backend{&fake{name: "a", paths: []string{"x", "./x"}}})}, "a: two artifacts are written to a/x"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tt.opts.Out = out
			_, err := Run(rules(), tt.opts)
			require.Error(t, err)
			assert.Equal(t, tt.want, err.Error())
			assert.Equal(t, before, testutil.ReadTree(t, out))
			assert.Equal(t, []string{"out"}, entries(t, dir))
		})
	}
}

func TestFailedWriteKeepsPreviousOutput(t *testing.T) {
	dir := t.TempDir()
	out := filepath.Join(dir, "out")
	_, err := Run(rules(), Options{Out: out, Deployments: Defaults([]target.Backend{&fake{name: "a"}})})
	require.NoError(t, err)
	before := testutil.ReadTree(t, out)
	// A file and a folder of the same name cannot both be written: the
	// failure comes midway through writing the new tree.
	_, err = Run(rules(), Options{Out: out, Deployments: Defaults([]target.Backend{&fake{name: "a", paths: []string{"x", "x/y"}}})})
	require.Error(t, err)
	assert.Contains(t, err.Error(), "cannot ")
	assert.Equal(t, before, testutil.ReadTree(t, out))
	assert.Equal(t, []string{"out"}, entries(t, dir))
}

// TestRemovesStaleFolders: the folders a killed build left beside the
// output are removed by the next build; other folders stay.
func TestRemovesStaleFolders(t *testing.T) {
	dir := t.TempDir()
	out := filepath.Join(dir, "out")
	for _, name := range []string{".out.new-123", ".out.new-123.old"} {
		require.NoError(t, os.MkdirAll(filepath.Join(dir, name, "a"), 0o755))
		require.NoError(t, os.WriteFile(filepath.Join(dir, name, Marker), []byte(markerText), 0o644))
	}
	require.NoError(t, os.MkdirAll(filepath.Join(dir, ".out.new-mine"), 0o755), "no marker: not detc's")
	require.NoError(t, os.MkdirAll(filepath.Join(dir, "keep"), 0o755))
	_, err := Run(rules(), Options{Out: out, Deployments: Defaults([]target.Backend{&fake{name: "a"}})})
	require.NoError(t, err)
	assert.Equal(t, []string{".out.new-mine", "keep", "out"}, entries(t, dir))
}

func TestRefusesForeignFolder(t *testing.T) {
	dir := t.TempDir()
	require.NoError(t, os.WriteFile(filepath.Join(dir, "precious.txt"), []byte("keep"), 0o644))
	_, err := Run(rules(), Options{Out: dir, Deployments: Defaults([]target.Backend{&fake{name: "a"}})})
	require.Error(t, err)
	assert.Contains(t, err.Error(), "refusing to replace")
	assert.Equal(t, map[string]string{"precious.txt": "keep"}, testutil.ReadTree(t, dir))

	file := filepath.Join(dir, "precious.txt")
	_, err = Run(rules(), Options{Out: file, Deployments: Defaults([]target.Backend{&fake{name: "a"}})})
	require.Error(t, err)
	assert.Contains(t, err.Error(), "it is not a folder")
}

func TestRunIntoEmptyFolder(t *testing.T) {
	out := t.TempDir()
	_, err := Run(rules(), Options{Out: out, Deployments: Defaults([]target.Backend{&fake{name: "a"}})})
	require.NoError(t, err)
	assert.Contains(t, testutil.ReadTree(t, out), "a/index.txt")
}

func TestVersion(t *testing.T) {
	r := &check.Rule{Rule: &rule.Rule{ID: "x", Title: "T", Level: "high", Description: "d"}}
	q := func(text string) *target.Query {
		return &target.Query{Rule: r, Target: "t", Profile: "p", Lang: "l", Text: text}
	}
	v := Version(q("q"))
	assert.Len(t, v, 12)
	assert.Equal(t, v, Version(q("q")))
	assert.NotEqual(t, v, Version(q("q2")), "the query is the meaning")
	r.Level, r.Title, r.Description = "low", "other", "other"
	assert.Equal(t, v, Version(q("q")), "metadata is not")
	r.Aggregation = &rule.Aggregation{Func: rule.AggCount, GroupBy: []string{"src_ip"}, Op: rule.CmpGt, Threshold: 5}
	withAgg := Version(q("q"))
	assert.NotEqual(t, v, withAgg, "a threshold beside the query is part of it")
	r.Aggregation.Threshold = 6
	assert.NotEqual(t, withAgg, Version(q("q")))
	src := q("q")
	src.Source = &mapping.Source{Attrs: map[string]string{"index": "proxy"}}
	assert.NotEqual(t, Version(q("q")), Version(src), "so is what the query reads")
}

func TestRunbooks(t *testing.T) {
	rs := rules()
	rs[0].Attack.Techniques = []string{"T1567.004"}
	render := Runbooks(rs, Defaults([]target.Backend{&fake{name: "zeta"}, &fake{name: "alpha", refuse: map[string]bool{"r1": true}}}), nil)
	md, err := render(rs[0])
	require.NoError(t, err)
	assert.Contains(t, md, "# Runbook: One")
	assert.Contains(t, md, "zeta:r1", "the query each backend compiled")
	assert.Contains(t, md, "rule r1: alpha/default cannot express the construct: the reason", "and why a backend refused")
	assert.Less(t, strings.Index(md, "zeta"), strings.Index(md, "alpha"), "targets in the order given (the registry's presentation order)")
}

// TestTargetingAndPolicy: a rule meant for one target profile is compiled
// only there, a target deployed in two profiles gets a folder for each,
// the enablement policy reaches the deployables, and a rule that every
// deployment meant for it refuses is reported (a warning, which a
// project's severities can make an error that fails the build).
func TestTargetingAndPolicy(t *testing.T) {
	a, b := &fake{name: "a", refuse: map[string]bool{"r2": true}}, &fake{name: "b"}
	deps := []Deployment{
		{Backend: a, Dir: "a"},
		{Backend: b, Options: target.Options{Profile: "default"}, Dir: "b/default"},
		{Backend: b, Options: target.Options{Profile: "raw"}, Dir: "b/raw"},
	}
	rs := rules()
	rs[0].Targets = &rule.Targets{Names: []string{"b/raw"}}
	rs[1].Status, rs[1].Targets = "stable", &rule.Targets{Names: []string{"a", "b/default"}}
	out := filepath.Join(t.TempDir(), "out")
	enabled := func(r *rule.Rule) bool { return r.Status == "stable" }
	res, err := Run(rs, Options{Out: out, Deployments: deps, Enabled: enabled})
	require.NoError(t, err)
	tree := testutil.ReadTree(t, out)
	assert.Contains(t, tree, "b/raw/rules/r1.txt")
	assert.NotContains(t, tree, "a/rules/r1.txt", "r1 is not meant for a")
	assert.NotContains(t, tree, "b/default/rules/r1.txt", "nor for b's default profile")
	assert.Contains(t, tree, "b/default/rules/r2.txt")
	assert.Equal(t, "r1 v enabled=false\n", strings.ReplaceAll(tree["b/raw/index.txt"], Version(&target.Query{Rule: rs[0], Target: "b", Profile: "raw", Text: "b:r1"}), "v"))
	assert.Contains(t, tree["b/default/index.txt"], "enabled=true")
	assert.Equal(t, []Untargeted{{"r1", "a/default"}, {"r1", "b/default"}, {"r2", "b/raw"}}, res.Untargeted)
	require.Len(t, res.Refusals, 1, "a refuses r2, which is meant for it")
	assert.Empty(t, res.Undeployed, "b deploys r2")

	// r2 meant for a alone, which refuses it: deployed nowhere. A project
	// that makes the check an error (--check undeployed=error) gets no
	// build.
	rs[1].Targets = &rule.Targets{Names: []string{"a"}}
	asError := func(ds rule.Diagnostics) rule.Diagnostics {
		for i := range ds {
			ds[i].Severity = rule.Error
		}
		return ds
	}
	res, err = Run(rs, Options{Out: out, Deployments: deps, Severities: asError})
	require.ErrorIs(t, err, ErrUndeployed)
	assert.Equal(t, []*rule.Rule{rs[1].Rule}, res.Undeployed)
	assert.Equal(t, tree, testutil.ReadTree(t, out), "the previous build is kept")

	// By default the refusals are facts about the targets: the build is
	// written, with the rule listed and warned about; an extra of what is
	// deployed leaves it out, the others have it.
	extra := func(dir string, deployedOnly bool) Extra {
		return Extra{Dir: dir, DeployedOnly: deployedOnly, Generate: func(rs []*rule.Rule) ([]target.Artifact, error) {
			var ids []string
			for _, r := range rs {
				ids = append(ids, r.ID)
			}
			return []target.Artifact{{Path: "ids", Data: []byte(strings.Join(ids, " "))}}, nil
		}}
	}
	res, err = Run(rs, Options{Out: out, Deployments: deps, Extras: []Extra{extra("all", false), extra("covered", true)}})
	require.NoError(t, err)
	assert.Equal(t, []*rule.Rule{rs[1].Rule}, res.Undeployed)
	require.Len(t, res.UndeployedDiagnostics, 1)
	assert.Equal(t, "a.hcl:9:1: warning: rule r2 is deployed nowhere: every target meant for it refuses it (the refusals above say why); map what they lack (--mapping) or say which targets it is for (targets)",
		res.UndeployedDiagnostics[0].String())
	assert.Equal(t, target.CodeUndeployed, res.UndeployedDiagnostics[0].Code)
	tree = testutil.ReadTree(t, out)
	assert.Equal(t, "r1 r2", tree["all/ids"])
	assert.Equal(t, "r1", tree["covered/ids"])
	assert.NotContains(t, tree, "a/rules/r2.txt")
	assert.Contains(t, tree["refusals.json"], `"rule_id": "r2"`)
	assert.Contains(t, tree["refusals.json"], `"deployed_nowhere": true`)

	// --strict fails on the refusals, and reports the rule as an error.
	res, err = Run(rs, Options{Out: out, Deployments: deps, Strict: true})
	require.ErrorIs(t, err, ErrUndeployed)
	require.Len(t, res.UndeployedDiagnostics, 1)
	assert.Equal(t, rule.Error, res.UndeployedDiagnostics[0].Severity)
	assert.Equal(t, tree, testutil.ReadTree(t, out), "the previous build is kept")
}

// TestPackagingRefusals: a rule the packager refuses (beyond a limit of
// the deployment format) is left out of that target alone, reported like
// a compile refusal, listed in refusals.json and counted; every other
// rule is deployed.
func TestPackagingRefusals(t *testing.T) {
	out := filepath.Join(t.TempDir(), "out")
	deps := Defaults([]target.Backend{&fake{name: "alpha", refusePackage: map[string]bool{"r1": true}}, &fake{name: "zeta", refuse: map[string]bool{"r2": true}}})
	res, err := Run(rules(), Options{Out: out, Deployments: deps})
	require.NoError(t, err)
	tree := testutil.ReadTree(t, out)
	assert.NotContains(t, tree, "alpha/rules/r1.txt")
	assert.Contains(t, tree, "alpha/rules/r2.txt")
	assert.Contains(t, tree, "zeta/rules/r1.txt")
	require.Len(t, res.Refusals, 2)
	assert.Equal(t, "a.hcl:1:1: warning: rule r1: alpha/default cannot express its deployment file: too long", res.Refusals[0].Diagnostic(rule.Warning).String())
	assert.Equal(t, "r2", res.Refusals[1].RuleID)
	assert.Contains(t, tree["refusals.json"], `"message": "rule r1: alpha/default cannot express its deployment file: too long"`)
	assert.Equal(t, []Count{{Dir: "alpha", Deployed: 1, Refused: 1}, {Dir: "zeta", Deployed: 1, Refused: 1}}, res.Counts)
	assert.Empty(t, res.Undeployed)

	// Refused by one target's packager and the other's compiler: deployed
	// nowhere.
	deps[1].Backend = &fake{name: "zeta", refuse: map[string]bool{"r1": true}}
	res, err = Run(rules(), Options{Out: out, Deployments: deps})
	require.NoError(t, err)
	require.Len(t, res.Undeployed, 1)
	assert.Equal(t, "r1", res.Undeployed[0].ID)
	require.Len(t, res.UndeployedDiagnostics, 1)
	assert.Equal(t, target.CodeUndeployed, res.UndeployedDiagnostics[0].Code)
}

// counting is a backend that counts its compilations per rule.
type counting struct {
	fake
	mu    sync.Mutex
	calls map[string]int
}

func (c *counting) Compile(r *check.Rule, opts target.Options) (*target.Query, error) {
	c.mu.Lock()
	c.calls[r.ID]++
	c.mu.Unlock()
	return c.fake.Compile(r, opts)
}

// TestBuildCompilesOnce: with CompileOnce, a build compiles each rule once
// per backend although its runbook and its deployment files both need the
// query; without, twice.
func TestBuildCompilesOnce(t *testing.T) {
	for _, once := range []bool{true, false} {
		c := &counting{fake: fake{name: "zeta"}, calls: map[string]int{}}
		backends := []target.Backend{c}
		if once {
			backends = CompileOnce(backends)
		}
		rs := rules()
		deps := Defaults(backends)
		_, err := Run(rs, Options{Out: filepath.Join(t.TempDir(), "out"), Deployments: deps, Runbook: Runbooks(rs, deps, nil)})
		require.NoError(t, err)
		want := 2
		if once {
			want = 1
		}
		for _, r := range rs {
			if !r.IsPivot() {
				assert.Equal(t, want, c.calls[r.ID], "rule %s, CompileOnce %v", r.ID, once)
			}
		}
	}
}

// TestUndeployed: a rule deployed nowhere is a mistake in the rule (an
// error at the field) only when a refusal is at a field that no taxonomy
// or profile knows and that is a near miss of a known one; otherwise the
// refusals are facts about the targets (a warning at the rule).
func TestUndeployed(t *testing.T) {
	at := func(line, col int) rule.Pos { return rule.Pos{File: "r.yml", Line: line, Col: col} }
	// A proxy rule comparing field at 8:9 and cs-method at 9:9.
	proxyRule := func(source rule.LogSource, field string) *rule.Rule {
		return &rule.Rule{ID: "r1", Pos: at(1, 1), LogSource: source, Searches: []*rule.Search{{Name: "sel", Groups: []*rule.Group{{Matchers: []*rule.Matcher{
			{Field: field, Op: rule.OpContains, Pos: at(8, 9)},
			{Field: "cs-method", Op: rule.OpEquals, Pos: at(9, 9)},
		}}}}}}
	}
	proxy := rule.LogSource{Category: "proxy"}
	refusedAt := func(p rule.Pos) []RefusalRecord {
		return []RefusalRecord{
			{RuleID: "r1", File: p.File, Line: p.Line, Column: p.Col, Target: "splunk", Profile: "cim"},
			{RuleID: "r1", File: "r.yml", Line: 1, Column: 1, Target: "kql", Profile: "sentinel-asim"},
		}
	}
	withField := &mapping.Profile{Name: "team", Sources: []*mapping.Source{{LogSource: proxy, Fields: map[string]mapping.Field{"cs-hots": {Names: []string{"hots"}}}}}}
	tests := []struct {
		name     string
		rule     *rule.Rule
		refusals []RefusalRecord
		known    []*mapping.Profile
		want     string
	}{
		{"a misspelt field a target refuses", proxyRule(proxy, "cs-hots"), refusedAt(at(8, 9)), nil,
			`r.yml:8:9: error: rule r1 would be deployed nowhere: field "cs-hots" is not a field of log source category=proxy in the Sigma taxonomy or any mapping profile (did you mean "cs-host"?), and every target meant for the rule refuses it`},
		{"a misspelt field, the targets refuse the log source", proxyRule(proxy, "cs-hots"), refusedAt(at(1, 1)), nil,
			"r.yml:1:1: warning: rule r1 is deployed nowhere: every target meant for it refuses it (the refusals above say why); map what they lack (--mapping) or say which targets it is for (targets)"},
		{"a misspelt field, a target refuses another field", proxyRule(proxy, "cs-hots"), refusedAt(at(9, 9)), nil,
			"r.yml:1:1: warning: rule r1 is deployed nowhere: every target meant for it refuses it (the refusals above say why); map what they lack (--mapping) or say which targets it is for (targets)"},
		{"an unknown field that is no near miss", proxyRule(proxy, "x-forwarded-for"), refusedAt(at(8, 9)), nil,
			"r.yml:1:1: warning: rule r1 is deployed nowhere: every target meant for it refuses it (the refusals above say why); map what they lack (--mapping) or say which targets it is for (targets)"},
		{"a field a profile knows", proxyRule(proxy, "cs-hots"), refusedAt(at(8, 9)), []*mapping.Profile{withField},
			"r.yml:1:1: warning: rule r1 is deployed nowhere: every target meant for it refuses it (the refusals above say why); map what they lack (--mapping) or say which targets it is for (targets)"},
		{"a log source nothing knows", proxyRule(rule.LogSource{Product: "opencanary"}, "cs-hots"), refusedAt(at(8, 9)), nil,
			"r.yml:1:1: warning: rule r1 is deployed nowhere: every target meant for it refuses it (the refusals above say why); map what they lack (--mapping) or say which targets it is for (targets)"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			d := Undeployed(tt.rule, tt.refusals, tt.known)
			assert.Equal(t, tt.want, d.String())
			code := target.CodeUndeployed
			if d.Severity == rule.Error {
				code = target.CodeUndeployedUnknownField
			}
			assert.Equal(t, code, d.Code)
		})
	}
}
