package main

import (
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

var (
	mdLink       = regexp.MustCompile(`\]\(([^)#\s]+)(#[^)]*)?\)`)
	outsideShare = regexp.MustCompile("`\\.\\./[^`]*shared/[^`]*`")
)

// TestDocsNameFilesThatExist: every relative link in the documentation
// leads to a file of the repository, and no page sends the reader to
// files outside it (../shared is not part of a checkout).
func TestDocsNameFilesThatExist(t *testing.T) {
	root := filepath.Join(packageDir, "..", "..")
	pages, err := filepath.Glob(filepath.Join(root, "docs", "*.md"))
	require.NoError(t, err)
	more, err := filepath.Glob(filepath.Join(root, "docs", "*", "*.md"))
	require.NoError(t, err)
	pages = append(append(pages, more...), filepath.Join(root, "README.md"))
	for _, page := range pages {
		data, err := os.ReadFile(page)
		require.NoError(t, err)
		rel, _ := filepath.Rel(root, page)
		for _, m := range mdLink.FindAllStringSubmatch(string(data), -1) {
			target := m[1]
			if strings.Contains(target, "://") || strings.HasPrefix(target, "mailto:") {
				continue
			}
			_, err := os.Stat(filepath.Join(filepath.Dir(page), filepath.FromSlash(target)))
			assert.NoError(t, err, "%s links to %s", rel, target)
		}
		assert.Empty(t, outsideShare.FindAllString(string(data), -1), "%s names files outside the repository", rel)
	}
}
