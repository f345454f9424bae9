package build

import "github.com/detc/detc/backends/target"

// WriteFolder writes artifacts as one output folder, as Run writes a
// build: with the marker, into a new folder that then replaces out, so a
// failure leaves the previous output as it was. detc site writes the
// catalog alone with it.
func WriteFolder(out string, arts []target.Artifact) error {
	files, err := newTree(out)
	if err != nil {
		return err
	}
	defer files.discard()
	for _, a := range arts {
		if err := files.add("", a); err != nil {
			return err
		}
	}
	return files.commit()
}
