package ews

import (
	"fmt"
	"strconv"
	"strings"
)

// Version is an EWS schema version a client asks for in the
// RequestServerVersion header. The zero value means [Exchange2013SP1].
type Version int

// Schema versions from t:ExchangeVersionType that matter to Roomboard.
const (
	Exchange2013SP1 Version = iota // default; accepted by 2013 SP1, 2016, 2019, SE and Exchange Online
	Exchange2010SP1
	Exchange2010SP2
	Exchange2013
	Exchange2016
)

var versionNames = [...]string{
	Exchange2013SP1: "Exchange2013_SP1",
	Exchange2010SP1: "Exchange2010_SP1",
	Exchange2010SP2: "Exchange2010_SP2",
	Exchange2013:    "Exchange2013",
	Exchange2016:    "Exchange2016",
}

// String returns the wire name of v, as sent in RequestServerVersion.
func (v Version) String() string {
	if v < 0 || int(v) >= len(versionNames) {
		return fmt.Sprintf("Version(%d)", int(v))
	}
	return versionNames[v]
}

// ParseVersion maps a wire name such as "Exchange2016" to a Version.
func ParseVersion(s string) (Version, error) {
	for i, n := range versionNames {
		if strings.EqualFold(n, s) {
			return Version(i), nil
		}
	}
	return 0, fmt.Errorf("ews: unknown request server version %q", s)
}

// ServerVersionInfo is what a server reports about itself in the SOAP header
// of every response. Version is a plain string (for example "V2017_07_11" for
// Exchange 2016 and 2019, "V2018_01_08" for Exchange Online) because servers
// report names newer than any client knows.
type ServerVersionInfo struct {
	MajorVersion     int    `xml:"MajorVersion,attr"`
	MinorVersion     int    `xml:"MinorVersion,attr"`
	MajorBuildNumber int    `xml:"MajorBuildNumber,attr"`
	MinorBuildNumber int    `xml:"MinorBuildNumber,attr"`
	Version          string `xml:"Version,attr"`
}

// IsZero reports whether no version information was seen.
func (v ServerVersionInfo) IsZero() bool { return v == ServerVersionInfo{} }

// Build returns the build number as Exchange prints it, e.g. "15.2.1544.4".
func (v ServerVersionInfo) Build() string {
	return strconv.Itoa(v.MajorVersion) + "." + strconv.Itoa(v.MinorVersion) + "." +
		strconv.Itoa(v.MajorBuildNumber) + "." + strconv.Itoa(v.MinorBuildNumber)
}

// AtLeast reports whether the server build is major.minor or newer. Features
// are gated on the build rather than on the schema name, because cumulative
// updates add schema content without renaming it.
func (v ServerVersionInfo) AtLeast(major, minor int) bool {
	if v.MajorVersion != major {
		return v.MajorVersion > major
	}
	return v.MinorVersion >= minor
}
