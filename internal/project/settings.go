package project

import (
	"errors"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"

	"github.com/detc/detc/backends/mapping"
	"github.com/detc/detc/backends/registry"
	"github.com/detc/detc/backends/target"
	"github.com/detc/detc/internal/build"
	"github.com/detc/detc/internal/lint"
	"github.com/detc/detc/internal/load"
	"github.com/detc/detc/internal/rule"
	"github.com/detc/detc/internal/suggest"
)

// Defaults of the settings a project leaves out.
var (
	// DefaultEnabledStatuses are deployed enabled; every other status
	// (experimental, deprecated, unsupported, none) is deployed disabled,
	// in every target alike.
	DefaultEnabledStatuses = []string{"stable", "test"}
)

// Defaults of the settings a project leaves out (continued).
const (
	DefaultRunbookURL = "file:../runbooks/"
	DefaultFixtures   = "fixtures"
)

// Settings are the project file and the flags resolved into what a
// command runs with.
type Settings struct {
	// Root is the project's folder: the folder of detc.hcl, otherwise the
	// top of the git repository, otherwise the working folder.
	Root string
	// Deployments are the (target, profile) pairs to compile and deploy,
	// in the registry's target order, then the configured profile order.
	Deployments []build.Deployment
	// EnabledStatuses are the statuses deployed enabled.
	EnabledStatuses []string
	RunbookURL      string
	// Fixtures is the folder of Sigma sidecar tests ("" for none: the
	// default folder is absent).
	Fixtures string
	// Checks are the severities the project and --check set.
	Checks Severities
	// Warnings are what a command reports about the settings before it
	// runs (a mapping override that some rules do not read).
	Warnings rule.Diagnostics
}

// Enabled applies the enablement policy to a rule.
func (s *Settings) Enabled(r *rule.Rule) bool {
	return slices.Contains(s.EnabledStatuses, strings.ToLower(r.Status))
}

// Which flags a command takes.
type Which int

// Flag groups, combined with |.
const (
	// Compile: --target, --profile, --mapping, --lang, --variant, --index.
	Compile Which = 1 << iota
	// Package: the Splunk app's identity, --enabled-statuses, --runbook-url.
	Package
	// Fixtures: --fixtures.
	Fixtures
	// Checks: --check.
	Checks
)

// Flags are the command-line overrides of the project file.
type Flags struct {
	which                                        Which
	Config                                       string
	Targets, Profiles, Mappings, Langs, Variants list
	Indexes, CheckLevels                         list
	AppName, AppLabel, AppAuthor, AppVersion     string
	EnabledStatuses, RunbookURL, FixturesDir     string
}

// list is a repeatable flag; a value may also hold several, comma-separated.
type list []string

func (l *list) String() string { return strings.Join(*l, ",") }

func (l *list) Set(v string) error {
	for _, s := range strings.Split(v, ",") {
		if s = strings.TrimSpace(s); s != "" {
			*l = append(*l, s)
		}
	}
	return nil
}

// AddFlags registers the project flags of a command on fs.
func AddFlags(fs *flag.FlagSet, which Which) *Flags {
	f := &Flags{which: which}
	fs.StringVar(&f.Config, "config", "", "project `file`, or "+NoConfig+" for none (default: $"+ConfigEnv+", else "+FileName+" in the working folder or the nearest folder above)")
	if which&Compile != 0 {
		fs.Var(&f.Targets, "target", "`target` to compile for: "+strings.Join(registry.Names(), ", ")+" (repeatable; default: the project's targets, or all)")
		fs.Var(&f.Profiles, "profile", "field-mapping `[TARGET=]PROFILE` (repeatable; `detc list profiles`)")
		fs.Var(&f.Mappings, "mapping", "mapping `[TARGET=]FILE` merged over the profiles (repeatable)")
		fs.Var(&f.Langs, "lang", "query `[TARGET=]LANGUAGE` where a target has several (elastic: lucene, eql, esql)")
		fs.Var(&f.Variants, "variant", "a target's alternative form, `[TARGET=]VARIANT`: splunk=tstats (accelerated data models)")
		fs.Var(&f.Indexes, "index", "`[TARGET=]INDEX` every log source is read from (Splunk index, Elastic index pattern)")
	}
	if which&Package != 0 {
		fs.StringVar(&f.AppName, "app-name", "", "Splunk app id and folder (default "+`"detc_detections"`+")")
		fs.StringVar(&f.AppLabel, "app-label", "", "Splunk app label")
		fs.StringVar(&f.AppAuthor, "app-author", "", "Splunk app author")
		fs.StringVar(&f.AppVersion, "app-version", "", "Splunk app `version` (default: derived from the searches, so every change is an upgrade)")
		fs.StringVar(&f.EnabledStatuses, "enabled-statuses", "", "rule `statuses` deployed enabled, comma-separated; others are deployed disabled (default stable,test)")
		fs.StringVar(&f.RunbookURL, "runbook-url", "", "base `URL` of the runbooks, for links (default "+DefaultRunbookURL+")")
	}
	if which&Fixtures != 0 {
		fs.StringVar(&f.FixturesDir, "fixtures", "", "`folder` of fixture sidecars (*.test.yml) holding the tests of Sigma rules, relative to the project root (default "+DefaultFixtures+")")
	}
	if which&Checks != 0 {
		fs.Var(&f.CheckLevels, "check", "a check's severity, `CODE=off|warning|error` (repeatable; `detc list checks`)")
	}
	return f
}

// UsageError is a wrong flag value.
type UsageError struct{ Msg string }

func (e *UsageError) Error() string { return e.Msg }

func usagef(format string, args ...any) error {
	return &UsageError{Msg: fmt.Sprintf(format, args...)}
}

// ConfigError is a project file whose settings are wrong, with positions.
type ConfigError struct{ Diags rule.Diagnostics }

func (e *ConfigError) Error() string { return e.Diags[0].String() }

// NoConfig, as --config or $DETC_CONFIG, runs without a project file:
// defaults only, and paths relative to the working folder.
const NoConfig = "none"

// ConfigEnv names the environment variable that gives --config's default.
const ConfigEnv = "DETC_CONFIG"

// Open finds and reads the project file (--config, $DETC_CONFIG, or
// detc.hcl in the working folder or above, else above the first input
// path) and resolves it with the flags.
func Open(f *Flags, inputs []string) (*Settings, *Config, error) {
	path := first(f.Config, os.Getenv(ConfigEnv))
	wd, err := os.Getwd()
	if err != nil {
		return nil, nil, err
	}
	switch path {
	case NoConfig:
		cfg, _ := Load("")
		cfg.Root = wd
		s, err := Resolve(cfg, f)
		return s, cfg, err
	case "":
		if path, err = findFor(wd, inputs); err != nil {
			return nil, nil, err
		}
	}
	cfg, diags := Load(path)
	if diags.HasErrors() {
		return nil, nil, &ConfigError{Diags: diags}
	}
	s, err := Resolve(cfg, f)
	return s, cfg, err
}

// findFor finds the project file of a run in the working folder or above;
// when there is none there, in the folder of the first input path or
// above, so that "detc build ~/team/detections" run from elsewhere reads
// the team's detc.hcl and fixtures rather than the defaults.
func findFor(wd string, inputs []string) (string, error) {
	path, err := Find(wd)
	if path != "" || err != nil || len(inputs) == 0 {
		return path, err
	}
	dir := inputs[0]
	info, err := os.Stat(dir)
	if err != nil {
		return "", nil // the loader reports a missing input
	}
	if !info.IsDir() {
		dir = filepath.Dir(dir)
	}
	return Find(dir)
}

// Resolve lays the flags over the project file. A wrong flag value is a
// *UsageError, a wrong setting in the file a *ConfigError.
func Resolve(cfg *Config, f *Flags) (*Settings, error) {
	r := &resolver{cfg: cfg, f: f, used: map[string]bool{}}
	s := &Settings{Root: root(cfg)}
	r.checkTargetBlocks()
	names := r.targets()
	for _, name := range names {
		b, _ := registry.Lookup(name)
		s.Deployments = append(s.Deployments, r.deployments(b)...)
	}
	r.checkUsed(names)
	s.EnabledStatuses = r.statuses()
	s.RunbookURL = first(f.RunbookURL, cfg.RunbookURL, DefaultRunbookURL)
	s.Fixtures = r.fixtures(s.Root)
	s.Checks = r.checks()
	if r.usage != nil {
		return nil, r.usage
	}
	if len(r.diags) > 0 {
		r.diags.Sort()
		return nil, &ConfigError{Diags: r.diags}
	}
	r.warnings.Sort()
	s.Warnings = r.warnings
	return s, nil
}

// root is the config's folder, else the git repository's top, else the
// working folder.
func root(cfg *Config) string {
	if cfg.Root != "" {
		return cfg.Root
	}
	wd, err := os.Getwd()
	if err != nil {
		return "."
	}
	for dir := wd; ; {
		if _, err := os.Stat(filepath.Join(dir, ".git")); err == nil {
			return dir
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			return wd
		}
		dir = parent
	}
}

type resolver struct {
	cfg      *Config
	f        *Flags
	usage    error
	diags    rule.Diagnostics
	warnings rule.Diagnostics
	// used records the [TARGET=]VALUE flag values some deployed target
	// took, so that one meant for a target not deployed is not lost.
	used map[string]bool
}

func (r *resolver) flagErr(format string, args ...any) {
	if r.usage == nil {
		r.usage = usagef(format, args...)
	}
}

func (r *resolver) confErr(key, format string, args ...any) {
	pos := r.cfg.Pos[key]
	if pos.File == "" {
		pos.File = r.cfg.File
	}
	r.diags.Errorf(pos, CodeConfig, format, args...)
}

// fail reports a wrong value: a usage error when a flag gave it, an error
// at the setting (key) when the project file did.
func (r *resolver) fail(fromFlag bool, key, format string, args ...any) {
	if fromFlag {
		r.flagErr(format, args...)
	} else {
		r.confErr(key, format, args...)
	}
}

// checkOption checks one of a target's settings (a profile, language or
// variant, the only field of opts set) with the validation every command
// shares, reporting it at the flag or the file's key it came from.
func (r *resolver) checkOption(b target.Backend, opts target.Options, fromFlag bool, key string) {
	if err := target.CheckOptions(b, opts); err != nil {
		r.fail(fromFlag, key, "%v", err)
	}
}

func (r *resolver) checkTargetBlocks() {
	for _, name := range r.cfg.TargetNames() {
		if _, ok := registry.Lookup(name); !ok {
			r.confErr("target."+name, "unknown target %q%s (targets: %s)", name, suggest.DidYouMean(name, registry.Names()), strings.Join(registry.Names(), ", "))
		}
	}
}

// targets are --target's, else the file's, else all, in registry order.
func (r *resolver) targets() []string {
	want, key := []string(r.f.Targets), ""
	if len(want) == 0 && len(r.cfg.Targets) > 0 {
		want, key = r.cfg.Targets, "targets"
	}
	var out []string
	for _, b := range registry.All() {
		if len(want) == 0 || slices.Contains(want, b.Name()) {
			out = append(out, b.Name())
		}
	}
	for _, name := range want {
		if _, ok := registry.Lookup(name); ok {
			continue
		}
		r.fail(key == "", key, "unknown target %q%s (targets: %s)", name, suggest.DidYouMean(name, registry.Names()), strings.Join(registry.Names(), ", "))
	}
	return out
}

// checkUsed reports a [TARGET=]VALUE flag value that no deployed target
// took: it names a target this run does not deploy.
func (r *resolver) checkUsed(deployed []string) {
	for _, fl := range []struct {
		name   string
		values list
	}{{"profile", r.f.Profiles}, {"mapping", r.mappingFlags()}, {"lang", r.f.Langs}, {"variant", r.f.Variants}, {"index", r.f.Indexes}} {
		for _, v := range fl.values {
			if !r.used[fl.name+"\x00"+v] {
				r.flagErr("--%s %s: it is for a target this run does not deploy (targets: %s)", fl.name, v, strings.Join(deployed, ", "))
			}
		}
	}
}

// forTarget picks the values of a [TARGET=]VALUE flag that are meant for
// target b: those qualified with its name, and unqualified ones that only
// it knows (known lists what b accepts; nil: every target takes it).
func (r *resolver) forTarget(flagName string, values list, b target.Backend, known func(target.Backend) []string) []string {
	var out []string
	for _, v := range values {
		name, val, qualified := strings.Cut(v, "=")
		if qualified {
			if _, ok := registry.Lookup(name); !ok {
				r.flagErr("--%s %s: unknown target %q%s (targets: %s)", flagName, v, name, suggest.DidYouMean(name, registry.Names()), strings.Join(registry.Names(), ", "))
				continue
			}
			if name == b.Name() {
				out = append(out, val)
				r.used[flagName+"\x00"+v] = true
			}
			continue
		}
		val = v
		if len(r.f.Targets) == 1 {
			// One target named on the command line: the value is its.
			if r.f.Targets[0] == b.Name() {
				out = append(out, val)
				r.used[flagName+"\x00"+v] = true
			}
			continue
		}
		if known == nil {
			if b.Name() == registry.All()[0].Name() {
				r.flagErr("--%s %s: say which target it is for, as TARGET=%s", flagName, v, v)
			}
			continue
		}
		var owners []string
		for _, o := range registry.All() {
			if slices.Contains(known(o), val) {
				owners = append(owners, o.Name())
			}
		}
		switch {
		case len(owners) == 1 && owners[0] == b.Name():
			out = append(out, val)
			r.used[flagName+"\x00"+v] = true
		case len(owners) == 0 && b.Name() == registry.All()[0].Name():
			r.flagErr("--%s %s: no target has it (%s)", flagName, v, knownList(known))
		case len(owners) > 1 && b.Name() == owners[0]:
			r.flagErr("--%s %s: targets %s all have it: write TARGET=%s", flagName, v, strings.Join(owners, ", "), v)
		}
	}
	return out
}

func knownList(known func(target.Backend) []string) string {
	var parts []string
	for _, b := range registry.All() {
		if k := known(b); len(k) > 0 {
			parts = append(parts, b.Name()+": "+strings.Join(k, ", "))
		}
	}
	return strings.Join(parts, "; ")
}

// one is the single value of a flag for a target, or the file's.
func (r *resolver) one(flagName string, values []string, fromFile string) string {
	if len(values) > 1 {
		r.flagErr("--%s is given %d times for one target (%s)", flagName, len(values), strings.Join(values, ", "))
	}
	if len(values) > 0 {
		return values[0]
	}
	return fromFile
}

func (r *resolver) deployments(b target.Backend) []build.Deployment {
	name := b.Name()
	t := r.cfg.Target[name]
	if t == nil {
		t = &Target{Name: name}
	}
	key := func(attr string) string { return "target." + name + "." + attr }
	profiles, fromFile := r.forTarget("profile", r.f.Profiles, b, target.Backend.Profiles), false
	if len(profiles) == 0 && len(t.Profiles) > 0 {
		profiles, fromFile = t.Profiles, true
	}
	if len(profiles) == 0 {
		profiles = b.Profiles()[:1]
	}
	for _, p := range profiles {
		r.checkOption(b, target.Options{Profile: p}, !fromFile, key("profiles"))
	}
	langFlag := r.forTarget("lang", r.f.Langs, b, target.Backend.Langs)
	lang := r.one("lang", langFlag, t.Lang)
	r.checkOption(b, target.Options{Lang: lang}, len(langFlag) > 0, key("lang"))
	variantFlag := r.forTarget("variant", r.f.Variants, b, target.Backend.Variants)
	variant := r.one("variant", variantFlag, t.Variant)
	r.checkOption(b, target.Options{Variant: variant}, len(variantFlag) > 0, key("variant"))
	overrides := r.overrides(b, t)
	var app target.App
	if name == "splunk" {
		app = target.App{
			Name:    first(r.f.AppName, t.App.Name),
			Label:   first(r.f.AppLabel, t.App.Label),
			Author:  first(r.f.AppAuthor, t.App.Author),
			Version: first(r.f.AppVersion, t.App.Version),
		}
	} else if t.App != (AppConfig{}) {
		r.confErr(key("app"), "target %s has no app: the app block is for splunk", name)
	}
	var out []build.Deployment
	for _, p := range profiles {
		r.shadowed(b, p, overrides)
		dir := name
		if len(profiles) > 1 {
			dir += "/" + p
		}
		out = append(out, build.Deployment{Backend: b, Dir: dir, Options: target.Options{Profile: p, Lang: lang, Variant: variant, Overrides: overrides, App: app}})
	}
	return out
}

// CodeShadowedSource is a mapping override's source that some rules of its
// log source do not read, because the profile reads them from a more
// specific source the override does not name.
const CodeShadowedSource = "shadowed-source"

// shadowed warns about each source of the overrides that the profile's
// more specific sources hide from some rules (a source for
// category=process_creation, where the profile reads Windows rules from
// its own category=process_creation,product=windows sources).
func (r *resolver) shadowed(b target.Backend, profile string, overrides *mapping.Profile) {
	m, ok := b.(target.Mapper)
	if overrides == nil || !ok {
		return
	}
	base, err := m.Mapping(profile)
	if err != nil {
		return // checkOption has reported the profile
	}
	for _, sh := range mapping.Shadowed(base, overrides) {
		names := make([]string, len(sh.Hidden))
		for i, ls := range sh.Hidden {
			names[i] = mapping.Describe(ls)
		}
		r.warnings.Warnf(sh.Source.Pos, CodeShadowedSource, "target %s, profile %s: this source for log source %s is not read by rules of %s, which the profile reads from its own sources for them; add a source for each of those log sources to change what their rules read",
			b.Name(), profile, mapping.Describe(sh.Source.LogSource), strings.Join(names, "; "))
	}
}

// reads reports whether a target's backend reads a source attribute (its
// registered mapping schema names it).
func reads(targetName, attr string) bool {
	s, _ := mapping.SchemaFor(targetName)
	return slices.Contains(s.Attrs, attr)
}

// readersOf lists the targets that read a source attribute.
func readersOf(attr string) []string {
	var out []string
	for _, b := range registry.All() {
		if reads(b.Name(), attr) {
			out = append(out, b.Name())
		}
	}
	return out
}

// overrides merges the target's mapping files, its index and its source
// blocks into one override profile (nil when there is none).
func (r *resolver) overrides(b target.Backend, t *Target) *mapping.Profile {
	name := b.Name()
	key := func(attr string) string { return "target." + name + "." + attr }
	var acc *mapping.Profile
	merge := func(p *mapping.Profile) {
		if acc == nil {
			acc = p
		} else {
			acc = acc.Merge(p)
		}
	}
	files := r.forTarget("mapping", r.mappingFlags(), b, nil)
	fromFile := false
	if len(files) == 0 {
		for _, f := range t.Mappings {
			files = append(files, filepath.Join(r.cfg.Root, f))
		}
		fromFile = true
	}
	for _, f := range files {
		p, diags := ReadMapping(f, name)
		if diags.HasErrors() {
			if fromFile {
				r.confErr(key("mappings"), "mapping file %s (for target %s) has errors", f, name)
			}
			r.diags = append(r.diags, diags...)
			continue
		}
		merge(p)
	}
	indexFlag := r.forTarget("index", r.f.Indexes, b, nil)
	if index := r.one("index", indexFlag, t.Index); index != "" {
		if !reads(name, "index") {
			r.fail(len(indexFlag) > 0, key("index"), "target %s reads tables, not indexes: set a source block's table instead", name)
		}
		merge(&mapping.Profile{Attrs: map[string]string{"index": index}})
	}
	for _, src := range t.Sources {
		for attr := range src.Attrs {
			if !reads(name, attr) {
				r.diags.Errorf(src.Pos, CodeConfig, "target %s has no %s for a source (%s is for %s)", name, attr, attr, strings.Join(readersOf(attr), ", "))
			}
		}
		merge(&mapping.Profile{Sources: []*mapping.Source{{LogSource: src.LogSource, Attrs: src.Attrs, Pos: src.Pos}}})
	}
	return acc
}

// mappingFlags qualifies each unqualified --mapping with the target its
// file names (target: in the YAML), so that a file says where it goes.
func (r *resolver) mappingFlags() list {
	var out list
	for _, v := range r.f.Mappings {
		if name, _, qualified := strings.Cut(v, "="); qualified {
			if _, ok := registry.Lookup(name); ok {
				out = append(out, v)
				continue
			}
		}
		if len(r.f.Targets) != 1 {
			// The file's own target picks its schema; its problems are
			// reported when it is read for that target.
			if data, err := os.ReadFile(v); err == nil {
				if p, err := mapping.Parse(v, data, mapping.Schema{}); err == nil && p.Target != "" {
					v = p.Target + "=" + v
				}
			}
		}
		out = append(out, v)
	}
	return out
}

// ReadMapping reads a user mapping file for a target. Its problems are
// diagnostics at their file:line:col.
func ReadMapping(file, targetName string) (*mapping.Profile, rule.Diagnostics) {
	data, diags := load.ReadText(file, "a mapping file", mapping.MaxFileSize)
	if diags.HasErrors() {
		return nil, diags
	}
	schema, _ := mapping.SchemaFor(targetName)
	p, err := mapping.Parse(file, data, schema)
	if err != nil {
		var ds rule.Diagnostics
		if !errors.As(err, &ds) {
			ds.Errorf(rule.Pos{File: file}, CodeConfig, "%v", err)
		}
		return nil, ds
	}
	return p, nil
}

func (r *resolver) statuses() []string {
	out, fromFile := []string(nil), false
	if r.f.EnabledStatuses != "" {
		var l list
		_ = l.Set(r.f.EnabledStatuses)
		out = l
	} else if r.cfg.EnabledStatuses != nil {
		out, fromFile = r.cfg.EnabledStatuses, true
	} else {
		return DefaultEnabledStatuses
	}
	for _, s := range out {
		if slices.Contains(lint.Statuses, s) {
			continue
		}
		r.fail(!fromFile, "enabled_statuses", "unknown status %q%s (statuses: %s)", s, suggest.DidYouMean(s, lint.Statuses), strings.Join(lint.Statuses, ", "))
	}
	return out
}

// fixtures: --fixtures, the file's fixtures or "fixtures", relative to the
// project root, so a run from a subfolder finds the same sidecars.
// When the default folder is absent there are no sidecars: Fixtures is "".
// The folder is named relative to the working folder, as messages name
// files.
func (r *resolver) fixtures(root string) string {
	dir := first(r.f.FixturesDir, r.cfg.Fixtures, DefaultFixtures)
	if filepath.IsAbs(dir) {
		return dir
	}
	dir = filepath.Join(root, dir)
	if r.f.FixturesDir == "" && r.cfg.Fixtures == "" {
		if _, err := os.Stat(dir); err != nil {
			return ""
		}
	}
	if wd, err := os.Getwd(); err == nil {
		if rel, err := filepath.Rel(wd, dir); err == nil {
			return rel
		}
	}
	return dir
}

func (r *resolver) checks() Severities {
	out := Severities{}
	codes := lint.CheckCodes()
	for code, level := range r.cfg.Checks {
		if !slices.Contains(codes, code) {
			r.confErr("check."+code, "unknown check %q%s (`detc list checks` lists them)", code, suggest.DidYouMean(code, codes))
			continue
		}
		out[code] = level
	}
	for _, v := range r.f.CheckLevels {
		code, lv, ok := strings.Cut(v, "=")
		if !ok {
			r.flagErr("--check %s: write CODE=off, CODE=warning or CODE=error", v)
			continue
		}
		if !slices.Contains(codes, code) {
			r.flagErr("--check %s: unknown check %q%s (`detc list checks` lists them)", v, code, suggest.DidYouMean(code, codes))
			continue
		}
		level, err := ParseLevel(lv)
		if err != nil {
			r.flagErr("--check %s: %v", v, err)
			continue
		}
		out[code] = level
	}
	return out
}

// Severities are the severities a project gives checks, by code.
type Severities map[string]Level

// Below reports whether the project set check code below level (a check
// it did not set keeps its default, which Below does not know: false).
func (s Severities) Below(code string, level Level) bool {
	l, ok := s[code]
	return ok && l > level
}

// Apply returns diags with each configured check's severity: dropped when
// off, made a warning or an error otherwise.
func (s Severities) Apply(diags rule.Diagnostics) rule.Diagnostics {
	if len(s) == 0 {
		return diags
	}
	var out rule.Diagnostics
	for _, d := range diags {
		level, ok := s[d.Code]
		switch {
		case !ok:
		case level == LevelOff:
			continue
		case level == LevelWarning:
			d.Severity = rule.Warning
		default:
			d.Severity = rule.Error
		}
		out = append(out, d)
	}
	return out
}

func first(ss ...string) string {
	for _, s := range ss {
		if s != "" {
			return s
		}
	}
	return ""
}
