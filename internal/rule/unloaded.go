package rule

// Unloaded is a rule its front end could not load: what is known of it
// (a partial Rule with at least a file and position, and the name, id and
// title when they were read) and the errors that stopped it. Reports that
// must count every rule given (detc test) show it as a failure.
type Unloaded struct {
	Rule *Rule
	// Diags are the errors that stopped this rule; empty when the cause
	// lies elsewhere (a local it uses failed, another file did not parse)
	// and Reason says so.
	Diags  Diagnostics
	Reason string
}
