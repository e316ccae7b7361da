package explain

import (
	"encoding/json"
	"fmt"
	"io"
	"slices"
	"strings"

	"sigs.k8s.io/yaml"
)

// checkFormat refuses an output format not in formats.
func checkFormat(format string, formats ...string) error {
	if slices.Contains(formats, format) {
		return nil
	}
	return fmt.Errorf("unsupported output format %q: want %s", format, strings.Join(formats, ", "))
}

// write writes v as json or yaml, or with text for any other format.
func write(w io.Writer, format string, v any, text func(io.Writer) error) error {
	var data []byte
	var err error
	switch format {
	case "json":
		data, err = json.MarshalIndent(v, "", "  ")
		data = append(data, '\n')
	case "yaml":
		data, err = yaml.Marshal(v)
	default:
		return text(w)
	}
	if err != nil {
		return fmt.Errorf("encoding the report, %w", err)
	}
	if _, err := w.Write(data); err != nil {
		return fmt.Errorf("writing the report, %w", err)
	}
	return nil
}
