// SPDX-License-Identifier: MIT
// `iofab sweep` and what it stands on: ydoc_set (one scalar of a loaded document set from a
// key path), scenarios and platforms loaded with settings, the sweep's CSV table and SVG
// chart, the x86-like SMMU timing profile, and the IOTLB-window scenario judged against
// pcie-bench's measured IOTLB-miss penalty (the fidelity target of TIMING.md).
#include <gtest/gtest.h>

#include <list>
#include <string>
#include <sys/stat.h>
#include <vector>

#include "testutil.h"

extern "C" {
#include "smmu.h"
#include "sweep.h"
}

namespace {

using iofab_test::ScenarioRun;
using iofab_test::TempFile;

constexpr uint64_t KiB = 1024, MiB = 1024 * KiB;

std::string read_text(const std::string &path)
{
	std::ifstream in(path, std::ios::binary);
	std::stringstream ss;
	ss << in.rdbuf();
	return ss.str();
}

bool exists(const std::string &path)
{
	struct stat st;
	return stat(path.c_str(), &st) == 0;
}

void write_text(const std::string &path, const std::string &text)
{
	std::ofstream out(path, std::ios::binary);
	out << text;
}

// `text` with every `from` replaced by `to` (at least one must be there).
std::string replaced(std::string text, const std::string &from, const std::string &to)
{
	size_t n = 0;
	for (size_t pos = 0; (pos = text.find(from, pos)) != std::string::npos; pos += to.size(), n++)
		text.replace(pos, from.size(), to);
	EXPECT_GT(n, 0u) << "'" << from << "' is not in the text";
	return text;
}

// 1-based line of the first line of `text` that starts with `prefix`.
unsigned line_of(const std::string &text, const std::string &prefix)
{
	std::istringstream in(text);
	std::string l;
	for (unsigned n = 1; std::getline(in, l); n++)
		if (l.rfind(prefix, 0) == 0)
			return n;
	ADD_FAILURE() << "no line starts with '" << prefix << "'";
	return 0;
}

std::string source_path(const std::string &rel)
{
	return std::string(IOFAB_TEST_SOURCE_DIR) + "/../" + rel;
}

const std::string kWindowScenario = "scenarios/validation/iotlb-window.yaml";

// ------------------------------------------------------------------------------------------
// ydoc_set
// ------------------------------------------------------------------------------------------

// A YAML document loaded from a temporary file, for ydoc_set and the cursors.
struct Doc {
	TempFile f;
	ydoc_t d{};
	yerrs_t e{};
	bool ok;
	explicit Doc(const std::string &text) : f("d.yaml", text)
	{
		ok = ydoc_load(&d, f.path().c_str(), &e);
	}
	~Doc()
	{
		ydoc_free(&d);
		yerrs_free(&e);
	}
	Doc(const Doc &) = delete;
	Doc &operator=(const Doc &) = delete;
	const char *set(const char *path, const char *value) { return ydoc_set(&d, path, value); }
	ycur_t root() { return ydoc_root(&d); }
};

std::string text_of(const ycur_t &c)
{
	const char *t = ytext(&c);
	return t ? t : "<not a scalar>";
}

const char *kDoc = R"(a:
  b: 1
  bb: keep
top: "quoted"
l:
  - { x: 1 }
  - { x: 2, y: [10, 20, 30] }
m: [[1, 2], [3, 4]]
n: { bb: keep }
)";

TEST(YdocSet, ReplacesAScalarAndKeepsItsPlaceForMessages)
{
	Doc d(kDoc);
	ASSERT_TRUE(d.ok);
	EXPECT_EQ(d.set("a.b", "2"), nullptr);
	EXPECT_EQ(d.set("top", "plain"), nullptr);
	ycur_t root = d.root(), a = yget(&root, "a"), b = yget(&a, "b");
	EXPECT_EQ(text_of(b), "2");
	EXPECT_EQ(text_of(yget(&a, "bb")), "keep");
	EXPECT_EQ(ymap_len(&a), 2u);
	EXPECT_EQ(text_of(yget(&root, "top")), "plain");
	// A message about the new value points where the old one was written.
	EXPECT_EQ(yline(&b), 2u);
	EXPECT_EQ(ycol(&b), 6u);
}

TEST(YdocSet, ReplacesListEntriesByIndex)
{
	Doc d(kDoc);
	ASSERT_TRUE(d.ok);
	EXPECT_EQ(d.set("l[1].x", "9"), nullptr);
	EXPECT_EQ(d.set("l[1].y[2]", "33"), nullptr);
	EXPECT_EQ(d.set("m[1][0]", "7"), nullptr);
	ycur_t root = d.root(), l = yget(&root, "l"), m = yget(&root, "m");
	ycur_t l0 = yat(&l, 0), l1 = yat(&l, 1), y = yget(&l1, "y"), m0 = yat(&m, 0),
	       m1 = yat(&m, 1);
	EXPECT_EQ(text_of(yget(&l0, "x")), "1");
	EXPECT_EQ(text_of(yget(&l1, "x")), "9");
	ASSERT_EQ(ylen(&y), 3u);
	EXPECT_EQ(text_of(yat(&y, 0)), "10");
	EXPECT_EQ(text_of(yat(&y, 1)), "20");
	EXPECT_EQ(text_of(yat(&y, 2)), "33");
	EXPECT_EQ(text_of(yat(&m0, 0)), "1");
	EXPECT_EQ(text_of(yat(&m1, 0)), "7");
	EXPECT_EQ(text_of(yat(&m1, 1)), "4");
}

TEST(YdocSet, AddsMissingKeysTheLastAsAScalarTheOthersAsMappings)
{
	Doc d(kDoc);
	ASSERT_TRUE(d.ok);
	EXPECT_EQ(d.set("a.c", "hello"), nullptr);
	EXPECT_EQ(d.set("x.y.z", "5"), nullptr);
	EXPECT_EQ(d.set("l[0].z", "new"), nullptr);
	ycur_t root = d.root(), a = yget(&root, "a");
	EXPECT_EQ(ymap_len(&a), 3u);
	EXPECT_EQ(text_of(yget(&a, "b")), "1");
	EXPECT_EQ(text_of(yget(&a, "c")), "hello");
	ycur_t x = yget(&root, "x"), y = yget(&x, "y"), z = yget(&y, "z");
	EXPECT_TRUE(yis_map(&x));
	EXPECT_TRUE(yis_map(&y));
	EXPECT_EQ(ymap_len(&y), 1u);
	EXPECT_TRUE(yis_scalar(&z));
	EXPECT_EQ(text_of(z), "5");
	ycur_t l = yget(&root, "l"), l0 = yat(&l, 0);
	EXPECT_EQ(ymap_len(&l0), 2u);
	EXPECT_EQ(text_of(yget(&l0, "x")), "1");
	EXPECT_EQ(text_of(yget(&l0, "z")), "new");
	// An added key is reported where the mapping it was added to starts (l[0]: line 6).
	ycur_t lz = yget(&l0, "z");
	EXPECT_EQ(yline(&lz), 6u);
	EXPECT_EQ(ycol(&lz), 5u);
	// Everything else is as the file says.
	EXPECT_EQ(ymap_len(&root), 6u);
	EXPECT_EQ(text_of(yget(&root, "top")), "quoted");
}

TEST(YdocSet, MatchesWholeKeysOnly)
{
	Doc d(kDoc);
	ASSERT_TRUE(d.ok);
	// n has 'bb' only: 'b' and 'bbb' are other keys, added beside it.
	EXPECT_EQ(d.set("n.b", "1"), nullptr);
	EXPECT_EQ(d.set("n.bbb", "3"), nullptr);
	ycur_t root = d.root(), n = yget(&root, "n");
	EXPECT_EQ(ymap_len(&n), 3u);
	EXPECT_EQ(text_of(yget(&n, "bb")), "keep");
	EXPECT_EQ(text_of(yget(&n, "b")), "1");
	EXPECT_EQ(text_of(yget(&n, "bbb")), "3");
}

TEST(YdocSet, SaysWhatIsWrongWithAPath)
{
	Doc d(kDoc);
	ASSERT_TRUE(d.ok);
	struct {
		const char *path, *why;
	} cases[] = {
		{"a.b.c", "the path goes through a value that is not a mapping"},
		{"top.x", "the path goes through a value that is not a mapping"},
		{"l[2].x", "the list has no such entry"},
		{"l[1].y[3]", "the list has no such entry"},
		{"a[0]", "the path indexes something that is not a list"},
		{"a.b[0]", "the path indexes something that is not a list"},
		{"l", "the value at the path is a list or a mapping, not a scalar"},
		{"a", "the value at the path is a list or a mapping, not a scalar"},
		{"l[0]", "the value at the path is a list or a mapping, not a scalar"},
		{"l[x]", "expected [INDEX] in the path"},
		{"l[]", "expected [INDEX] in the path"},
		{"l[1", "expected [INDEX] in the path"},
		{"a..b", "empty key in the path"},
	};
	for (const auto &c : cases) {
		const char *why = d.set(c.path, "v");
		EXPECT_STREQ(why, c.why) << c.path;
	}
	// None of them touched what it went through.
	ycur_t root = d.root(), a = yget(&root, "a"), l = yget(&root, "l"), l1 = yat(&l, 1),
	       y = yget(&l1, "y");
	EXPECT_EQ(text_of(yget(&a, "b")), "1");
	EXPECT_EQ(text_of(yget(&root, "top")), "quoted");
	EXPECT_EQ(ymap_len(&a), 2u);
	EXPECT_EQ(ylen(&y), 3u);
	EXPECT_EQ(ylen(&l), 2u);
}

TEST(YdocSet, AnAliasKeepsItsValueWhenTheOtherSideChanges)
{
	// Anchors share nodes: a setting through one name must not change the other.
	Doc d("a: &x 1\nb: *x\nd: &m { e: 1, f: 2 }\nu: *m\n");
	ASSERT_TRUE(d.ok);
	EXPECT_EQ(d.set("b", "2"), nullptr);
	EXPECT_EQ(d.set("u.e", "9"), nullptr);
	ycur_t root = d.root(), dm = yget(&root, "d"), um = yget(&root, "u");
	EXPECT_EQ(text_of(yget(&root, "a")), "1");
	EXPECT_EQ(text_of(yget(&root, "b")), "2");
	EXPECT_EQ(text_of(yget(&dm, "e")), "1");
	EXPECT_EQ(text_of(yget(&um, "e")), "9");
	EXPECT_EQ(text_of(yget(&um, "f")), "2");
}

TEST(YdocSet, PathsAreStrict)
{
	Doc d(kDoc);
	ASSERT_TRUE(d.ok);
	EXPECT_STREQ(d.set("l[1]x", "1"), "expected . or [ after a key or an index in the path");
	EXPECT_STREQ(d.set("a.", "1"), "empty key in the path");
	EXPECT_STREQ(d.set("l[+1].x", "1"), "expected [INDEX] in the path");
	EXPECT_STREQ(d.set("l[-1].x", "1"), "expected [INDEX] in the path");
}

TEST(YdocSet, NeedsALoadedDocument)
{
	TempFile f("bad.yaml", "a: [1, 2\n");
	ydoc_t d;
	yerrs_t e = {};
	ASSERT_FALSE(ydoc_load(&d, f.path().c_str(), &e));
	EXPECT_STREQ(ydoc_set(&d, "a", "1"), "no document");
	ydoc_free(&d);
	yerrs_free(&e);
}

// ------------------------------------------------------------------------------------------
// scenario_load_set and platform_load_set
// ------------------------------------------------------------------------------------------

using Settings = std::vector<std::pair<std::string, std::string>>;

// Writes `platform` as p.yaml and `scenario` as s.yaml in one temporary directory and loads
// the scenario with the settings; *errors gets the messages with the directory left out.
bool load_set(const std::string &platform, const std::string &scenario, const Settings &sets,
	      scenario_t *s, std::string *errors)
{
	TempFile plat("p.yaml", platform);
	std::string path = plat.dir() + "/s.yaml";
	write_text(path, scenario);
	std::vector<ydoc_setting_t> v;
	for (const auto &kv : sets)
		v.push_back({kv.first.c_str(), kv.second.c_str(), nullptr});
	yerrs_t e = {};
	bool ok = scenario_load_set(s, path.c_str(), v.data(), (unsigned)v.size(), &e);
	*errors = iofab_test::join_errors(&e);
	std::remove(path.c_str());
	for (size_t pos; (pos = errors->find(plat.dir() + "/")) != std::string::npos;)
		errors->erase(pos, plat.dir().size() + 1);
	return ok;
}

// A scenario loaded with settings and, if it loaded, run.
struct SetRun : ScenarioRun {
	SetRun(const std::string &platform, const std::string &scenario, const Settings &sets)
	{
		loaded = load_set(platform, scenario, sets, &s, &errors);
		if (loaded)
			scenario_run(&s);
	}
	const stream_t &stream() const { return *s.steps[0].stream; }
};

const std::string kXeon = iofab_test::shipped_platform("xeon-like.yaml");

// The IOTLB-window scenario on p.yaml (the xeon-like platform load_set writes).
std::string window_scenario()
{
	return replaced(read_text(source_path(kWindowScenario)),
			"platform: ../../platforms/xeon-like.yaml", "platform: p.yaml");
}

// The same with the platform inline.
std::string window_scenario_inline()
{
	std::string indented, l;
	std::istringstream in(kXeon);
	while (std::getline(in, l))
		indented += (l.empty() ? "" : "  ") + l + "\n";
	return replaced(read_text(source_path(kWindowScenario)),
			"platform: ../../platforms/xeon-like.yaml\n", "platform:\n" + indented);
}

TEST(SweepSettings, ScenarioSettingsAreAppliedBeforeParsing)
{
	SetRun r(kXeon, window_scenario(),
		 {{"steps[0].stream.count", "500"},
		  {"steps[0].stream.window.size", "1M"},
		  {"vms[0].page_size", "2M"},
		  {"steps[0].name", "renamed"}});
	ASSERT_TRUE(r.loaded) << r.errors;
	ASSERT_NE(r.s.steps[0].stream, nullptr);
	EXPECT_EQ(r.stream().count, 500u);
	EXPECT_EQ(r.stream().done, 500u);
	EXPECT_EQ(r.stream().window, 1 * MiB);
	EXPECT_EQ(r.s.vms[1].page_size, 2 * MiB); // owner 1: the file's vms[0]
	EXPECT_STREQ(r.s.steps[0].name, "renamed");
}

TEST(SweepSettings, WithoutSettingsTheFileIsAsWritten)
{
	SetRun r(kXeon, window_scenario(), {});
	ASSERT_TRUE(r.loaded) << r.errors;
	EXPECT_EQ(r.stream().count, 4000u);
	EXPECT_EQ(r.stream().window, 64 * KiB);
	EXPECT_EQ(r.s.vms[1].page_size, 4 * KiB);
	EXPECT_EQ(r.s.platform.smmus[0].params.tlb.entries, 64u);
}

TEST(SweepSettings, PlatformSettingsGoToTheScenariosPlatformFile)
{
	SetRun r(kXeon, window_scenario(),
		 {{"steps[0].stream.count", "10"},
		  {"platform.smmus[0].caches.tlb.entries", "128"},
		  {"platform.smmus[0].timing.table_read_ns", "90"}});
	ASSERT_TRUE(r.loaded) << r.errors;
	const smmu_params_t &p = r.s.platform.smmus[0].params;
	EXPECT_EQ(p.tlb.entries, 128u);
	EXPECT_EQ(p.mem_read, 90 * SIM_NS);
	EXPECT_EQ(p.walk_cache.entries, 0u); // the rest of the profile stays
}

TEST(SweepSettings, PlatformSettingsGoIntoAnInlinePlatform)
{
	SetRun r(kXeon, window_scenario_inline(),
		 {{"steps[0].stream.count", "10"},
		  {"platform.smmus[0].caches.tlb.entries", "128"},
		  {"platform.smmus[0].timing.table_read_ns", "90"}});
	ASSERT_TRUE(r.loaded) << r.errors;
	const smmu_params_t &p = r.s.platform.smmus[0].params;
	EXPECT_EQ(p.tlb.entries, 128u);
	EXPECT_EQ(p.mem_read, 90 * SIM_NS);
	SetRun plain(kXeon, window_scenario_inline(), {{"steps[0].stream.count", "10"}});
	ASSERT_TRUE(plain.loaded) << plain.errors;
	EXPECT_EQ(plain.s.platform.smmus[0].params.tlb.entries, 64u);
}

TEST(SweepSettings, ABadScenarioSettingIsReportedAgainstTheFile)
{
	scenario_t s;
	std::string errors;
	EXPECT_FALSE(load_set(kXeon, window_scenario(),
			      {{"steps[3].stream.count", "1"},
			       {"steps[0].stream.count", "500"},
			       {"steps[0].stream.count.x", "2"},
			       {"vms[0]", "x"}},
			      &s, &errors));
	EXPECT_EQ(errors, "s.yaml: --set steps[3].stream.count=1: the list has no such entry\n"
			  "s.yaml: --set steps[0].stream.count.x=2: the path goes through a value "
			  "that is not a mapping\n"
			  "s.yaml: --set vms[0]=x: the value at the path is a list or a mapping, not a "
			  "scalar\n");
}

TEST(SweepSettings, ABadPlatformSettingIsReportedAgainstThePlatformFile)
{
	scenario_t s;
	std::string errors;
	std::string scen = window_scenario();
	EXPECT_FALSE(load_set(kXeon, scen, {{"platform.smmus[1].name", "x"}}, &s, &errors));
	unsigned pl = line_of(scen, "platform:");
	EXPECT_EQ(errors, "p.yaml: --set platform.smmus[1].name=x: the list has no such entry\n"
			  "s.yaml:" + std::to_string(pl) +
				  ":11: platform: the platform 'p.yaml' has errors (above)\n");
}

TEST(SweepSettings, ABadSettingOfAnInlinePlatformIsReportedAgainstTheScenario)
{
	scenario_t s;
	std::string errors;
	EXPECT_FALSE(load_set(kXeon, window_scenario_inline(), {{"platform.smmus[1].name", "x"}},
			      &s, &errors));
	EXPECT_EQ(errors, "s.yaml: --set platform.smmus[1].name=x: the list has no such entry\n");
}

// A bad value reads as if the file had said it: the same message, at the same place.
TEST(SweepSettings, ABadValueGivesTheMessageOfTheKey)
{
	scenario_t s;
	std::string set_errors, file_errors;
	EXPECT_FALSE(load_set(kXeon, window_scenario(), {{"steps[0].stream.count", "lots"}}, &s,
			      &set_errors));
	EXPECT_EQ(set_errors, "s.yaml:20:84: steps[0].stream.count: 'lots': not a number\n");
	EXPECT_FALSE(load_set(kXeon, replaced(window_scenario(), "count: 4000", "count: lots"), {},
			      &s, &file_errors));
	EXPECT_EQ(set_errors, file_errors);
}

TEST(SweepSettings, ABadPlatformValueGivesTheMessageOfTheKey)
{
	scenario_t s;
	std::string set_errors, file_errors;
	EXPECT_FALSE(load_set(kXeon, window_scenario(), {{"platform.smmus[0].timing.profile", "x87-like"}},
			      &s, &set_errors));
	EXPECT_NE(set_errors.find("p.yaml:" + std::to_string(line_of(kXeon, "    timing:")) +
				  ":24: smmus[0].timing.profile: unknown value 'x87-like'"),
		  std::string::npos)
		<< set_errors;
	EXPECT_FALSE(load_set(replaced(kXeon, "profile: x86-like", "profile: x87-like"),
			      window_scenario(), {}, &s, &file_errors));
	EXPECT_EQ(set_errors, file_errors);
}

// A key the setting adds is reported where the mapping it went into starts.
TEST(SweepSettings, ABadValueOfAnAddedKeyIsReportedAtItsMapping)
{
	scenario_t s;
	std::string errors;
	EXPECT_FALSE(load_set(kXeon, window_scenario(),
			      {{"platform.smmus[0].caches.tlb.entries", "lots"}}, &s, &errors));
	EXPECT_EQ(errors.substr(0, errors.find('\n') + 1),
		  "p.yaml:" + std::to_string(line_of(kXeon, "  - name: iommu0")) +
			  ":5: smmus[0].caches.tlb.entries: 'lots': not a number\n");
}

TEST(SweepPlatformSettings, PlatformLoadSetAndItsMessages)
{
	TempFile f("p.yaml", kXeon);
	platform_t p;
	yerrs_t e = {};
	ydoc_setting_t ok_sets[] = {{"smmus[0].caches.walk.entries", "16", nullptr},
				    {"name", "renamed", nullptr}};
	ASSERT_TRUE(platform_load_set(&p, f.path().c_str(), nullptr, ok_sets, 2, &e))
		<< iofab_test::join_errors(&e);
	EXPECT_EQ(p.smmus[0].params.walk_cache.entries, 16u);
	EXPECT_EQ(p.smmus[0].params.tlb.entries, 64u);
	platform_free(&p);

	ydoc_setting_t bad[] = {{"smmus[0].streams[2].rc", "rc1", nullptr}};
	EXPECT_FALSE(platform_load_set(&p, f.path().c_str(), nullptr, bad, 1, &e));
	EXPECT_EQ(iofab_test::join_errors(&e),
		  f.path() + ": --set smmus[0].streams[2].rc=rc1: the list has no such entry\n");
	ydoc_setting_t prefixed[] = {{"smmus[0].streams[2].rc", "rc1", "platform."}};
	EXPECT_FALSE(platform_load_set(&p, f.path().c_str(), nullptr, prefixed, 1, &e));
	EXPECT_EQ(iofab_test::join_errors(&e),
		  f.path() + ": --set platform.smmus[0].streams[2].rc=rc1: the list has no such "
			     "entry\n");
}

// ------------------------------------------------------------------------------------------
// sweep_run: the CSV and the chart
// ------------------------------------------------------------------------------------------

// A sweep of a scenario with --set arguments, writing its CSV (and SVG) in a temporary
// directory.
struct Sweep {
	TempFile dir{"placeholder", ""}; // a private directory for the outputs
	std::string scenario;
	std::list<std::string> args; // sweep_add_key keeps pointers into them
	sweep_opts_t o{};
	std::string csv, svg, err;
	std::string add_error;
	Sweep(const std::string &file, const std::vector<std::string> &sets, unsigned jobs = 2)
		: scenario(file)
	{
		csv = dir.dir() + "/out.csv";
		svg = dir.dir() + "/out.svg";
		o.scenario = scenario.c_str();
		o.jobs = jobs;
		o.csv = csv.c_str();
		o.svg = svg.c_str();
		for (const auto &a : sets) {
			args.push_back(a);
			const char *why = sweep_add_key(&o, &args.back()[0]);
			if (why)
				add_error += std::string(why) + "\n";
		}
	}
	~Sweep()
	{
		std::remove(csv.c_str());
		std::remove(svg.c_str());
	}
	Sweep(const Sweep &) = delete;
	Sweep &operator=(const Sweep &) = delete;
	int run()
	{
		testing::internal::CaptureStderr();
		int rc = sweep_run(&o);
		err = testing::internal::GetCapturedStderr();
		return rc;
	}
	// The CSV's rows, split at commas (no field of these sweeps is quoted).
	std::vector<std::vector<std::string>> rows() const
	{
		std::vector<std::vector<std::string>> out;
		std::istringstream in(read_text(csv));
		std::string l;
		while (std::getline(in, l)) {
			std::vector<std::string> f;
			std::string cell;
			std::istringstream ls(l);
			while (std::getline(ls, cell, ','))
				f.push_back(cell);
			out.push_back(f);
		}
		return out;
	}
};

const std::string kWindow = source_path(kWindowScenario);

const std::vector<std::string> kHeader = {
	"step",	      "stream",		    "requests",	  "min_ns",	"p50_ns",
	"p90_ns",     "p99_ns",		    "p99.9_ns",	  "max_ns",	"mean_ns",
	"requests_per_s", "translated",	    "utlb_hits",  "tlb_hits",	"walk_reads",
	"expectations_met", "expectations_not_met"};

// Picoseconds from "602.000".
uint64_t ps(const std::string &ns)
{
	size_t dot = ns.find('.');
	EXPECT_NE(dot, std::string::npos) << ns;
	return std::stoull(ns.substr(0, dot)) * 1000 + std::stoull(ns.substr(dot + 1));
}

TEST(Sweep, OneRowPerVariantInCrossProductOrderLastKeyFastest)
{
	Sweep w(kWindow, {"steps[0].stream.window.size=64K,1M", "vms[0].page_size=4K,2M",
			  "steps[0].stream.count=300,400"});
	ASSERT_EQ(w.add_error, "");
	ASSERT_EQ(w.run(), 0) << w.err;
	auto rows = w.rows();
	ASSERT_EQ(rows.size(), 1u + 8u);
	std::vector<std::string> header = {"steps[0].stream.window.size", "vms[0].page_size",
					   "steps[0].stream.count"};
	header.insert(header.end(), kHeader.begin(), kHeader.end());
	EXPECT_EQ(rows[0], header);
	const char *sizes[] = {"64K", "1M"}, *pages[] = {"4K", "2M"}, *counts[] = {"300", "400"};
	uint64_t p50[2][2][2] = {};
	for (unsigned i = 0; i < 8; i++) {
		const auto &r = rows[1 + i];
		ASSERT_EQ(r.size(), header.size()) << "row " << i + 1;
		EXPECT_EQ(r[0], sizes[i / 4]) << "row " << i + 1;
		EXPECT_EQ(r[1], pages[i / 2 % 2]) << "row " << i + 1;
		EXPECT_EQ(r[2], counts[i % 2]) << "row " << i + 1;
		EXPECT_EQ(r[3], "1");
		EXPECT_EQ(r[4], "card0 reads 64 B at random offsets of the window");
		// The row's numbers are its variant's: as many requests as it set.
		EXPECT_EQ(r[5], counts[i % 2]) << "row " << i + 1;
		EXPECT_EQ(r[14], counts[i % 2]) << "translated, row " << i + 1;
		EXPECT_EQ(r[18], "2") << "expectations met, row " << i + 1;
		EXPECT_EQ(r[19], "0") << "expectations not met, row " << i + 1;
		p50[i / 4][i / 2 % 2][i % 2] = ps(r[7]);
	}
	// 1 MiB of 4 KiB pages is beyond the IOTLB's reach: the median read misses.
	for (int c = 0; c < 2; c++) {
		EXPECT_GT(p50[1][0][c], p50[0][0][c]) << "count " << counts[c];
		EXPECT_EQ(p50[1][1][c], p50[0][1][c]) << "count " << counts[c];
	}
}

TEST(Sweep, TheSameInputsGiveTheSameBytesWhateverTheJobs)
{
	std::vector<std::string> sets = {"steps[0].stream.count=300",
					 "steps[0].stream.window.size=64K,512K,1M,4M",
					 "vms[0].page_size=4K,2M"};
	Sweep one(kWindow, sets, 1), two(kWindow, sets, 2), again(kWindow, sets, 2);
	ASSERT_EQ(one.run(), 0) << one.err;
	ASSERT_EQ(two.run(), 0) << two.err;
	ASSERT_EQ(again.run(), 0) << again.err;
	std::string csv = read_text(one.csv), svg = read_text(one.svg);
	ASSERT_FALSE(csv.empty());
	ASSERT_FALSE(svg.empty());
	EXPECT_EQ(read_text(two.csv), csv);
	EXPECT_EQ(read_text(again.csv), csv);
	EXPECT_EQ(read_text(two.svg), svg);
	EXPECT_EQ(read_text(again.svg), svg);
	EXPECT_EQ(one.rows().size(), 1u + 8u);
}

// Whether `svg` is well formed as far as its tags go: every element closed, in order, and
// nothing outside the root <svg>. Returns the problem, or "".
std::string svg_problem(const std::string &svg)
{
	std::vector<std::string> open;
	size_t pos = 0, roots = 0;
	while ((pos = svg.find('<', pos)) != std::string::npos) {
		size_t end = svg.find('>', pos);
		if (end == std::string::npos)
			return "an unterminated tag";
		std::string tag = svg.substr(pos + 1, end - pos - 1);
		if (tag.find('<') != std::string::npos)
			return "a '<' inside a tag: " + tag;
		size_t quotes = 0;
		for (char ch : tag)
			quotes += ch == '"';
		if (quotes % 2)
			return "unbalanced quotes in <" + tag + ">";
		if (tag[0] == '/') {
			std::string name = tag.substr(1);
			if (open.empty() || open.back() != name)
				return "</" + name + "> closes " + (open.empty() ? "nothing" : open.back());
			open.pop_back();
		} else {
			std::string name = tag.substr(0, tag.find_first_of(" \n/"));
			if (open.empty() && roots++)
				return "a second root element <" + name + ">";
			if (tag.back() != '/')
				open.push_back(name);
		}
		// Text up to the next tag must not hold a bare '&' (entities only) or '>'.
		size_t next = svg.find('<', end + 1);
		std::string text = svg.substr(end + 1, next == std::string::npos ? std::string::npos
									   : next - end - 1);
		if (text.find('>') != std::string::npos)
			return "a '>' in text: " + text;
		for (size_t a = text.find('&'); a != std::string::npos; a = text.find('&', a + 1))
			if (text.compare(a, 4, "&lt;") && text.compare(a, 4, "&gt;") &&
			    text.compare(a, 5, "&amp;") && text.compare(a, 6, "&quot;"))
				return "a bare '&' in text: " + text;
		pos = end + 1;
	}
	if (!open.empty())
		return "<" + open.back() + "> is not closed";
	return "";
}

size_t count_of(const std::string &text, const std::string &what)
{
	size_t n = 0;
	for (size_t pos = 0; (pos = text.find(what, pos)) != std::string::npos; pos += what.size())
		n++;
	return n;
}

TEST(Sweep, TheChartHasALinePerSeries)
{
	// Against the window: one series per page size.
	Sweep w(kWindow, {"steps[0].stream.window.size=64K,256K,1M", "vms[0].page_size=4K,2M",
			  "steps[0].stream.count=200"});
	ASSERT_EQ(w.run(), 0) << w.err;
	std::string svg = read_text(w.svg);
	EXPECT_EQ(svg.rfind("<svg ", 0), 0u) << svg.substr(0, 80);
	EXPECT_EQ(svg_problem(svg), "");
	EXPECT_EQ(count_of(svg, "<polyline"), 2u);
	EXPECT_EQ(count_of(svg, "<circle"), 6u); // a point per variant
	EXPECT_NE(svg.find(">steps[0].stream.window.size</text>"), std::string::npos);
	for (const char *x : {">64K</text>", ">256K</text>", ">1M</text>"})
		EXPECT_EQ(count_of(svg, x), 1u) << x;
	EXPECT_NE(svg.find("p50 latency (ns)"), std::string::npos);
	// Each line has a point per window size.
	for (size_t pos = 0; (pos = svg.find("points=\"", pos)) != std::string::npos; pos++) {
		size_t end = svg.find('"', pos + 8);
		std::string pts = svg.substr(pos + 8, end - pos - 8);
		EXPECT_EQ(count_of(pts, ","), 3u) << pts;
	}

	// One key: one series.
	Sweep one(kWindow, {"steps[0].stream.window.size=64K,1M", "steps[0].stream.count=200"});
	one.o.metric = "requests_per_s";
	ASSERT_EQ(one.run(), 0) << one.err;
	svg = read_text(one.svg);
	EXPECT_EQ(svg_problem(svg), "");
	EXPECT_EQ(count_of(svg, "<polyline"), 1u);
	EXPECT_EQ(svg.find("latency (ns)"), std::string::npos);
	EXPECT_NE(svg.find(">requests_per_s</text>"), std::string::npos);
}

// Names with characters CSV and XML treat specially come out quoted and escaped.
TEST(Sweep, FieldsAreQuotedInTheCsvAndEscapedInTheChart)
{
	Sweep w(kWindow, {"steps[0].stream.count=100,200"});
	// A value with a comma cannot come from a --set argument: put it in the options.
	std::string name = "R&D <x> \"q\", y";
	w.o.keys[w.o.nkeys].key = "steps[0].name";
	w.o.keys[w.o.nkeys].values[0] = name.c_str();
	w.o.keys[w.o.nkeys].n = 1;
	w.o.nkeys++;
	ASSERT_EQ(w.run(), 0) << w.err;
	std::string csv = read_text(w.csv);
	EXPECT_EQ(csv.rfind("steps[0].stream.count,steps[0].name,step,stream,", 0), 0u) << csv;
	EXPECT_NE(csv.find("\n100,\"R&D <x> \"\"q\"\", y\",1,\"R&D <x> \"\"q\"\", y\",100,"),
		  std::string::npos)
		<< csv;
	std::string svg = read_text(w.svg);
	EXPECT_EQ(svg_problem(svg), "");
	EXPECT_NE(svg.find("R&amp;D &lt;x&gt; &quot;q&quot;, y"), std::string::npos) << svg;
}

TEST(Sweep, UnmetExpectationsAreCountedNotFatal)
{
	Sweep w(kWindow, {"steps[0].stream.count=100,200", "steps[0].expect.outcome=blocked"});
	ASSERT_EQ(w.run(), 0) << w.err;
	auto rows = w.rows();
	ASSERT_EQ(rows.size(), 3u);
	for (unsigned i = 1; i < 3; i++) {
		EXPECT_EQ(rows[i][rows[i].size() - 1], "1") << "not met, row " << i;
		EXPECT_EQ(rows[i][rows[i].size() - 2], "1") << "met (the assignment), row " << i;
	}
}

// Bad input: status 2, the variant and its messages on stderr, and no file written.
TEST(Sweep, BadInputWritesNothing)
{
	struct {
		std::vector<std::string> sets;
		std::string says;
	} cases[] = {
		{{"steps[0].stream.count=500,0"},
		 "iofab: variant 2 (steps[0].stream.count=0):\n" + kWindow +
			 ":20:84: steps[0].stream.count: 0 is out of range"},
		{{"steps[0].stream.count=10", "steps[0].stream.colour=red,blue"},
		 "iofab: variant 1 (steps[0].stream.count=10, steps[0].stream.colour=red):\n" +
			 kWindow + ":20:13: steps[0].stream.colour: unknown key 'colour'"},
		{{"steps[4].stream.count=10,20"},
		 "iofab: variant 1 (steps[4].stream.count=10):\n" + kWindow +
			 ": --set steps[4].stream.count=10: the list has no such entry\n"},
		{{"platform.smmus[2].name=a,b"}, ": --set platform.smmus[2].name=a: the list has no "
						 "such entry\n"},
	};
	for (const auto &c : cases) {
		Sweep w(kWindow, c.sets);
		ASSERT_EQ(w.add_error, "");
		EXPECT_EQ(w.run(), 2) << c.sets[0];
		EXPECT_NE(w.err.find(c.says), std::string::npos) << w.err;
		EXPECT_FALSE(exists(w.csv)) << c.sets[0];
		EXPECT_FALSE(exists(w.svg)) << c.sets[0];
	}
	// A scenario without a stream step has nothing to measure.
	std::string no_stream = source_path("scenarios/vfio/assignment-checks.yaml");
	Sweep w(no_stream, {"seed=1,2"});
	EXPECT_EQ(w.run(), 2);
	EXPECT_EQ(w.err, "iofab: " + no_stream + " has no stream step: a sweep measures streams\n");
	EXPECT_FALSE(exists(w.csv));
	EXPECT_FALSE(exists(w.svg));
	// Nor does a file that is not there.
	Sweep missing("/nonexistent/s.yaml", {"seed=1,2"});
	EXPECT_EQ(missing.run(), 2);
	EXPECT_NE(missing.err.find("/nonexistent/s.yaml: cannot open"), std::string::npos)
		<< missing.err;
	EXPECT_FALSE(exists(missing.csv));
}

TEST(Sweep, KeyArgumentsAreChecked)
{
	struct {
		const char *arg, *why;
	} cases[] = {
		{"steps[0].stream.count", "expected KEY=V1,V2,..."},
		{"=1,2", "expected KEY=V1,V2,..."},
		{"steps[0].stream.count=", "expected KEY=V1,V2,..."},
		{"steps[0].stream.count=1,,2", "an empty value in the list"},
		{"steps[0].stream.count=1,2,", "an empty value in the list"},
	};
	for (const auto &c : cases) {
		sweep_opts_t o{};
		std::string a = c.arg;
		EXPECT_STREQ(sweep_add_key(&o, &a[0]), c.why) << c.arg;
		EXPECT_EQ(o.nkeys, 0u) << c.arg;
	}
	sweep_opts_t o{};
	std::string a = "k=a,b=c", b = "k=1", c = "j=1", d = "l=1", e = "m=1", f = "n=1";
	EXPECT_EQ(sweep_add_key(&o, &a[0]), nullptr);
	ASSERT_EQ(o.nkeys, 1u);
	EXPECT_STREQ(o.keys[0].key, "k");
	ASSERT_EQ(o.keys[0].n, 2u);
	EXPECT_STREQ(o.keys[0].values[1], "b=c");
	EXPECT_STREQ(sweep_add_key(&o, &b[0]), "the same key twice");
	EXPECT_EQ(sweep_add_key(&o, &c[0]), nullptr);
	EXPECT_EQ(sweep_add_key(&o, &d[0]), nullptr);
	EXPECT_EQ(sweep_add_key(&o, &e[0]), nullptr);
	EXPECT_STREQ(sweep_add_key(&o, &f[0]), "at most 4 --set keys");
	EXPECT_EQ(o.nkeys, 4u);
	std::string many = "k2=";
	for (int i = 0; i < 65; i++)
		many += std::to_string(i) + (i < 64 ? "," : "");
	sweep_opts_t o2{};
	EXPECT_STREQ(sweep_add_key(&o2, &many[0]), "at most 64 values per key");
	for (const char *m : {"min", "p50", "p90", "p99", "p99.9", "max", "mean", "requests_per_s"})
		EXPECT_TRUE(sweep_metric_known(m)) << m;
	for (const char *m : {"p42", "", "P50", "p99.99"})
		EXPECT_FALSE(sweep_metric_known(m)) << m;
}

// ------------------------------------------------------------------------------------------
// The x86-like SMMU profile
// ------------------------------------------------------------------------------------------

TEST(X86Profile, SixtyFourEntryTlbNoWalkCachesNoMicroTlbSixtyNanosecondReads)
{
	smmu_params_t p = smmu_params_x86_like(), def = smmu_params_default();
	EXPECT_EQ(p.tlb.entries, 64u);
	EXPECT_EQ(p.tlb.ways, 64u);
	EXPECT_EQ(p.utlb.entries, 0u);
	EXPECT_EQ(p.walk_cache.entries, 0u);
	EXPECT_EQ(p.mem_read, 60 * SIM_NS);
	// ... where the MMU-600-like defaults differ.
	EXPECT_NE(def.tlb.entries, 64u);
	EXPECT_NE(def.utlb.entries, 0u);
	EXPECT_NE(def.walk_cache.entries, 0u);
	// The architectural features stay the SMMU's.
	EXPECT_EQ(p.s1p, def.s1p);
	EXPECT_EQ(p.s2p, def.s2p);
	EXPECT_EQ(p.sidsize, def.sidsize);
}

TEST(X86Profile, ChosenByAPlatformsTimingProfile)
{
	platform_t p;
	std::string errors;
	ASSERT_TRUE(iofab_test::load_platform(kXeon, &p, &errors)) << errors;
	const smmu_params_t &x = p.smmus[0].params;
	EXPECT_EQ(x.tlb.entries, 64u);
	EXPECT_EQ(x.tlb.ways, 64u);
	EXPECT_EQ(x.utlb.entries, 0u);
	EXPECT_EQ(x.walk_cache.entries, 0u);
	EXPECT_EQ(x.mem_read, 60 * SIM_NS);
	platform_free(&p);

	// mmu600-like names the defaults.
	ASSERT_TRUE(iofab_test::load_platform(
		replaced(kXeon, "profile: x86-like", "profile: mmu600-like"), &p, &errors))
		<< errors;
	smmu_params_t def = smmu_params_default();
	EXPECT_EQ(p.smmus[0].params.tlb.entries, def.tlb.entries);
	EXPECT_EQ(p.smmus[0].params.walk_cache.entries, def.walk_cache.entries);
	EXPECT_EQ(p.smmus[0].params.mem_read, def.mem_read);
	platform_free(&p);

	EXPECT_FALSE(iofab_test::load_platform(replaced(kXeon, "profile: x86-like", "profile: x87"),
					       &p, &errors));
	EXPECT_EQ(errors, "platform.yaml:" + std::to_string(line_of(kXeon, "    timing:")) +
				  ":24: smmus[0].timing.profile: unknown value 'x87' (expected one of: "
				  "mmu600-like, x86-like)\n");
}

// The caches and timing a platform gives explicitly override the profile, wherever they are
// written in the SMMU's entry.
TEST(X86Profile, ExplicitCachesAndTimingOverrideIt)
{
	const std::string after = replaced(
		kXeon, "    timing: { profile: x86-like }\n",
		"    timing: { profile: x86-like, table_read_ns: 90, tlb_cycles: 5 }\n"
		"    caches: { tlb: { entries: 128, ways: 4 }, walk: { entries: 16 } }\n");
	const std::string before = replaced(
		kXeon, "    timing: { profile: x86-like }\n",
		"    caches: { tlb: { entries: 128, ways: 4 }, walk: { entries: 16 } }\n"
		"    timing: { table_read_ns: 90, tlb_cycles: 5, profile: x86-like }\n");
	for (const std::string &text : {after, before}) {
		platform_t p;
		std::string errors;
		ASSERT_TRUE(iofab_test::load_platform(text, &p, &errors)) << errors;
		const smmu_params_t &x = p.smmus[0].params;
		EXPECT_EQ(x.tlb.entries, 128u);
		EXPECT_EQ(x.tlb.ways, 4u);
		EXPECT_EQ(x.walk_cache.entries, 16u);
		EXPECT_EQ(x.walk_cache.ways, 16u);
		EXPECT_EQ(x.mem_read, 90 * SIM_NS);
		EXPECT_EQ(x.tlb_cycles, 5u);
		// What was not given stays the profile's.
		EXPECT_EQ(x.utlb.entries, 0u);
		EXPECT_EQ(x.tbu_hz, 1000000000ull);
		platform_free(&p);
	}
}

// ------------------------------------------------------------------------------------------
// Validation: pcie-bench's IOTLB window (TIMING.md, fidelity target 2)
// ------------------------------------------------------------------------------------------

// The latency quantiles (stream_percentiles) of the window scenario's stream, for a window
// and a page size (the scenario's own 4000 random 64 B reads, its own seed).
struct Quantiles {
	sim_time_t q[STREAM_QUANTILES] = {};
	sim_time_t p50() const { return q[1]; }
	sim_time_t p90() const { return q[2]; }
};

Quantiles window_quantiles(const char *window, const char *page)
{
	Quantiles out;
	SetRun r(kXeon, window_scenario(),
		 {{"steps[0].stream.window.size", window}, {"vms[0].page_size", page}});
	EXPECT_TRUE(r.loaded) << r.errors;
	if (!r.loaded)
		return out;
	EXPECT_EQ(r.stream().done, 4000u) << window << " " << page;
	EXPECT_EQ(r.stream().translated, 4000u) << window << " " << page;
	EXPECT_TRUE(stream_percentiles(&r.stream(), out.q));
	return out;
}

sim_time_t window_p50(const char *window, const char *page)
{
	return window_quantiles(window, page).p50();
}

// pcie-bench: +226 to +293 ns median; within 10 %: 203 to 322 ns.
constexpr sim_time_t kPenaltyLo = 203 * SIM_NS, kPenaltyHi = 322 * SIM_NS;

TEST(Validation, IotlbMissPenaltyIsPcieBenchs)
{
	sim_time_t in = window_p50("64K", "4K"), out = window_p50("1M", "4K");
	ASSERT_GT(out, in);
	EXPECT_GE(out - in, kPenaltyLo) << "penalty " << (out - in) / SIM_NS << " ns";
	EXPECT_LE(out - in, kPenaltyHi) << "penalty " << (out - in) / SIM_NS << " ns";
	// Far beyond the reach, the same penalty.
	sim_time_t far = window_p50("64M", "4K");
	EXPECT_GE(far - in, kPenaltyLo);
	EXPECT_LE(far - in, kPenaltyHi);
}

TEST(Validation, SuperpagesShowNoPenalty)
{
	sim_time_t base = window_p50("64K", "2M");
	EXPECT_EQ(window_p50("1M", "2M"), base);
	EXPECT_EQ(window_p50("64M", "2M"), base);
	// ... and the hits cost what they cost with 4 KiB pages.
	EXPECT_EQ(window_p50("64K", "4K"), base);
}

TEST(Validation, ThePenaltyStartsBeyondTheIotlbsReach)
{
	sim_time_t base = window_p50("64K", "4K");
	// 256 KiB: 64 pages, exactly the IOTLB's 64 entries.
	EXPECT_EQ(window_p50("256K", "4K"), base);
	// 512 KiB: 128 pages in 64 entries, so about half the reads miss. At p50 that is a narrow
	// margin (1950 hits of 4000 with the scenario's seed; seeds 4 and 7 give over 2000 hits,
	// and no penalty at p50); at p90 it is not.
	Quantiles half = window_quantiles("512K", "4K");
	ASSERT_GT(half.p50(), base) << "p50 " << half.p50() / SIM_NS << " ns";
	EXPECT_GE(half.p50() - base, kPenaltyLo) << "p50 " << half.p50() / SIM_NS << " ns";
	EXPECT_LE(half.p50() - base, kPenaltyHi) << "p50 " << half.p50() / SIM_NS << " ns";
	EXPECT_GE(half.p90() - base, kPenaltyLo) << "p90 " << half.p90() / SIM_NS << " ns";
	EXPECT_LE(half.p90() - base, kPenaltyHi) << "p90 " << half.p90() / SIM_NS << " ns";
}

} // namespace
