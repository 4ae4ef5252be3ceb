// SPDX-License-Identifier: MIT
// The reports a run leaves for people and tools besides the text: the Chrome/Perfetto trace
// (trace.c), the self-contained HTML page (html.c), the Graphviz picture (draw.c), the
// statistics block of the text and JSON reports (report_stats.c), and a stream's latency
// percentiles, rate and summary lines (report.c). Numbers are checked against what the run
// itself recorded (steps, streams, deliveries), not against the reports' own arithmetic.
#include <gtest/gtest.h>

#include <algorithm>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <map>
#include <numeric>
#include <random>
#include <csignal>
#include <set>
#include <string>
#include <sys/stat.h>
#include <vector>

#include "testutil.h"

extern "C" {
#include "draw.h"
#include "html.h"
#include "trace.h"
}

namespace {

const std::string kTop = std::string(IOFAB_TEST_SOURCE_DIR) + "/..";

// --- a small strict JSON reader ----------------------------------------------------------------
// Enough to check that a document is JSON (RFC 8259: no raw control characters in strings, no
// trailing commas) and to walk it. Numbers keep their text, so times convert exactly.

struct Json {
	enum Kind { Null, Bool, Num, Str, Arr, Obj } kind = Null;
	bool b = false;
	std::string s; // a string's value, or a number's text
	std::vector<Json> a;
	std::vector<std::pair<std::string, Json>> o;

	const Json *get(const std::string &k) const
	{
		for (const auto &kv : o)
			if (kv.first == k)
				return &kv.second;
		return nullptr;
	}
	const Json &operator[](const std::string &k) const
	{
		static const Json none;
		const Json *v = get(k);
		return v ? *v : none;
	}
	uint64_t u64() const { return kind == Num ? std::strtoull(s.c_str(), nullptr, 10) : ~0ull; }
};

class JsonReader {
  public:
	explicit JsonReader(const std::string &t) : t_(t) {}
	// The document, or false with *err saying where it is not JSON.
	bool parse(Json *out, std::string *err)
	{
		ws();
		if (!value(out, 0)) {
			*err = err_ + " at offset " + std::to_string(i_) + " near '" +
			       t_.substr(i_ > 20 ? i_ - 20 : 0, 60) + "'";
			return false;
		}
		ws();
		if (i_ != t_.size()) {
			*err = "text after the document at offset " + std::to_string(i_);
			return false;
		}
		return true;
	}

  private:
	const std::string &t_;
	size_t i_ = 0;
	std::string err_;

	bool fail(const char *why)
	{
		err_ = why;
		return false;
	}
	void ws()
	{
		while (i_ < t_.size() && (t_[i_] == ' ' || t_[i_] == '\n' || t_[i_] == '\r' || t_[i_] == '\t'))
			i_++;
	}
	bool lit(const char *w)
	{
		size_t n = std::strlen(w);
		if (t_.compare(i_, n, w))
			return fail("bad literal");
		i_ += n;
		return true;
	}
	bool string(std::string *out)
	{
		if (t_[i_] != '"')
			return fail("expected a string");
		i_++;
		while (i_ < t_.size() && t_[i_] != '"') {
			unsigned char c = (unsigned char)t_[i_];
			if (c < 0x20)
				return fail("a raw control character in a string");
			if (c != '\\') {
				out->push_back((char)c);
				i_++;
				continue;
			}
			if (++i_ >= t_.size())
				return fail("unterminated escape");
			char e = t_[i_++];
			switch (e) {
			case '"': out->push_back('"'); break;
			case '\\': out->push_back('\\'); break;
			case '/': out->push_back('/'); break;
			case 'b': out->push_back('\b'); break;
			case 'f': out->push_back('\f'); break;
			case 'n': out->push_back('\n'); break;
			case 'r': out->push_back('\r'); break;
			case 't': out->push_back('\t'); break;
			case 'u': {
				if (i_ + 4 > t_.size())
					return fail("short \\u escape");
				for (int k = 0; k < 4; k++)
					if (!isxdigit((unsigned char)t_[i_ + k]))
						return fail("bad \\u escape");
				unsigned v = (unsigned)std::stoul(t_.substr(i_, 4), nullptr, 16);
				i_ += 4;
				out->push_back(v < 0x80 ? (char)v : '?');
				break;
			}
			default: return fail("bad escape");
			}
		}
		if (i_ >= t_.size())
			return fail("unterminated string");
		i_++;
		return true;
	}
	bool number(std::string *out)
	{
		size_t st = i_;
		if (t_[i_] == '-')
			i_++;
		if (i_ >= t_.size() || !isdigit((unsigned char)t_[i_]))
			return fail("bad number");
		if (t_[i_] == '0')
			i_++;
		else
			while (i_ < t_.size() && isdigit((unsigned char)t_[i_]))
				i_++;
		if (i_ < t_.size() && t_[i_] == '.') {
			i_++;
			if (i_ >= t_.size() || !isdigit((unsigned char)t_[i_]))
				return fail("bad fraction");
			while (i_ < t_.size() && isdigit((unsigned char)t_[i_]))
				i_++;
		}
		if (i_ < t_.size() && (t_[i_] == 'e' || t_[i_] == 'E')) {
			i_++;
			if (i_ < t_.size() && (t_[i_] == '+' || t_[i_] == '-'))
				i_++;
			if (i_ >= t_.size() || !isdigit((unsigned char)t_[i_]))
				return fail("bad exponent");
			while (i_ < t_.size() && isdigit((unsigned char)t_[i_]))
				i_++;
		}
		*out = t_.substr(st, i_ - st);
		return true;
	}
	bool value(Json *v, int depth)
	{
		if (depth > 64)
			return fail("nested too deep");
		if (i_ >= t_.size())
			return fail("unexpected end");
		char c = t_[i_];
		if (c == '{') {
			v->kind = Json::Obj;
			i_++;
			ws();
			if (i_ < t_.size() && t_[i_] == '}') {
				i_++;
				return true;
			}
			for (;;) {
				ws();
				std::string k;
				if (i_ >= t_.size() || !string(&k))
					return fail("expected a key");
				ws();
				if (i_ >= t_.size() || t_[i_] != ':')
					return fail("expected ':'");
				i_++;
				ws();
				v->o.emplace_back(k, Json());
				if (!value(&v->o.back().second, depth + 1))
					return false;
				ws();
				if (i_ < t_.size() && t_[i_] == ',') {
					i_++;
					continue;
				}
				if (i_ < t_.size() && t_[i_] == '}') {
					i_++;
					return true;
				}
				return fail("expected ',' or '}'");
			}
		}
		if (c == '[') {
			v->kind = Json::Arr;
			i_++;
			ws();
			if (i_ < t_.size() && t_[i_] == ']') {
				i_++;
				return true;
			}
			for (;;) {
				ws();
				v->a.emplace_back();
				if (!value(&v->a.back(), depth + 1))
					return false;
				ws();
				if (i_ < t_.size() && t_[i_] == ',') {
					i_++;
					continue;
				}
				if (i_ < t_.size() && t_[i_] == ']') {
					i_++;
					return true;
				}
				return fail("expected ',' or ']'");
			}
		}
		if (c == '"') {
			v->kind = Json::Str;
			return string(&v->s);
		}
		if (c == 't' || c == 'f') {
			v->kind = Json::Bool;
			v->b = c == 't';
			return lit(c == 't' ? "true" : "false");
		}
		if (c == 'n')
			return lit("null");
		v->kind = Json::Num;
		return number(&v->s);
	}
};

::testing::AssertionResult parse_json(const std::string &text, Json *out)
{
	std::string err;
	if (JsonReader(text).parse(out, &err))
		return ::testing::AssertionSuccess();
	return ::testing::AssertionFailure() << "not JSON: " << err;
}

// A trace time ("12.345678", microseconds) in picoseconds, exactly.
sim_time_t us_to_ps(const Json &v)
{
	const std::string &t = v.s;
	size_t dot = t.find('.');
	std::string whole = t.substr(0, dot), frac = dot == std::string::npos ? "" : t.substr(dot + 1);
	frac.resize(6, '0');
	return std::stoull(whole) * 1000000ull + std::stoull(frac);
}

// --- running scenarios -------------------------------------------------------------------------

std::string read_text(const std::string &path)
{
	std::ifstream in(path, std::ios::binary);
	std::stringstream ss;
	ss << in.rdbuf();
	return ss.str();
}

std::string replaced(std::string text, const std::string &from, const std::string &to)
{
	size_t pos = text.find(from);
	EXPECT_NE(pos, std::string::npos) << "'" << from << "' is not in the text";
	if (pos != std::string::npos)
		text.replace(pos, from.size(), to);
	return text;
}

// A scenario that ran, optionally traced (trace_begin before scenario_run, trace_end after,
// as `iofab run --trace` does).
struct ReportRun : iofab_test::ScenarioRun {
	std::string trace;
	// A shipped scenario, by its path under scenarios/.
	explicit ReportRun(const std::string &shipped, bool traced = false)
	{
		yerrs_t e = {};
		loaded = scenario_load(&s, (kTop + "/scenarios/" + shipped).c_str(), &e);
		errors = iofab_test::join_errors(&e);
		go(traced);
	}
	// A platform text and a whole scenario text (which names platform: p.yaml).
	ReportRun(const std::string &platform, const std::string &scenario, bool traced)
	{
		loaded = iofab_test::load_scenario(platform, scenario, &s, &errors);
		go(traced);
	}
	std::string json() const
	{
		char *buf = nullptr;
		size_t len = 0;
		FILE *f = open_memstream(&buf, &len);
		report_run_json(f, &s);
		fclose(f);
		std::string r(buf, len);
		free(buf);
		return r;
	}
	int32_t fn(const char *name) const { return iofab_test::fn(s.platform, name); }
	std::string dot() const
	{
		char *buf = nullptr;
		size_t len = 0;
		FILE *f = open_memstream(&buf, &len);
		draw_dot(f, &s.platform, s.have_groups ? &s.groups : nullptr, &s);
		fclose(f);
		std::string r(buf, len);
		free(buf);
		return r;
	}

  private:
	void go(bool traced)
	{
		if (!loaded)
			return;
		bool began = !traced || trace_begin(&s);
		EXPECT_TRUE(began);
		scenario_run(&s);
		if (traced && began) {
			size_t len = 0;
			char *t = trace_end(&s, &len);
			EXPECT_NE(t, nullptr);
			if (t)
				trace.assign(t, len);
			free(t);
		}
	}
};

// A private temporary directory, removed (with what is in it) with the object.
struct TempDir {
	std::string path;
	TempDir()
	{
		char tmpl[] = "/tmp/iofab-reports-XXXXXX";
		const char *d = mkdtemp(tmpl);
		path = d ? d : "";
	}
	~TempDir()
	{
		std::error_code ec;
		if (!path.empty())
			std::filesystem::remove_all(path, ec);
	}
};

// PATH set to a directory with no programs in it (no `dot`) while the object lives. draw_svg
// may write to the pipe of a `dot` that never started; unless keep_sigpipe, SIGPIPE is ignored
// meanwhile, so that the tests of the message do not depend on which process runs first
// (DrawSvg.LargeGraphWithoutDotIsAnError tests the default disposition).
struct NoGraphviz {
	TempDir empty;
	std::string saved;
	bool had = false, keep;
	void (*old_pipe)(int) = SIG_DFL;
	explicit NoGraphviz(bool keep_sigpipe = false) : keep(keep_sigpipe)
	{
		const char *p = getenv("PATH");
		had = p != nullptr;
		if (p)
			saved = p;
		setenv("PATH", empty.path.c_str(), 1);
		if (!keep)
			old_pipe = signal(SIGPIPE, SIG_IGN);
	}
	~NoGraphviz()
	{
		if (had)
			setenv("PATH", saved.c_str(), 1);
		else
			unsetenv("PATH");
		if (!keep)
			signal(SIGPIPE, old_pipe);
	}
};

// Picoseconds as the reports print them ("12 ns", "12.345 ns").
std::string ns_text(sim_time_t t)
{
	char b[48];
	if (t % 1000)
		snprintf(b, sizeof b, "%llu.%03llu ns", (unsigned long long)(t / 1000),
			 (unsigned long long)(t % 1000));
	else
		snprintf(b, sizeof b, "%llu ns", (unsigned long long)(t / 1000));
	return b;
}

// Nearest rank: the smallest value with at least per_mille/1000 of the values at or below it.
sim_time_t nearest_rank(std::vector<sim_time_t> v, unsigned per_mille)
{
	std::sort(v.begin(), v.end());
	size_t n = v.size();
	size_t rank = 1;
	while (rank * 1000 < n * per_mille) // smallest rank with rank/n >= per_mille/1000
		rank++;
	return v[rank - 1];
}

size_t count_of(const std::string &text, const std::string &what)
{
	size_t n = 0;
	for (size_t pos = 0; (pos = text.find(what, pos)) != std::string::npos; pos += what.size())
		n++;
	return n;
}

// The line of `text` that starts with `prefix` (without its newline), or "".
std::string line_starting(const std::string &text, const std::string &prefix)
{
	std::istringstream in(text);
	for (std::string l; std::getline(in, l);)
		if (l.compare(0, prefix.size(), prefix) == 0)
			return l;
	return "";
}

// The text from the line "statistics:" to the next empty line.
std::string stats_block(const std::string &report)
{
	size_t a = report.find("\nstatistics:\n");
	if (a == std::string::npos)
		return "";
	size_t b = report.find("\n\n", a + 1);
	return report.substr(a + 1, b == std::string::npos ? std::string::npos : b - a);
}

std::vector<sim_time_t> stream_lat(const stream_t &sm)
{
	return std::vector<sim_time_t>(sm.lat, sm.lat + sm.done);
}

// --- the trace ------------------------------------------------------------------------------------

struct Trace {
	Json doc;
	const std::vector<Json> &events() const { return doc["traceEvents"].a; }
	std::vector<const Json *> of(const std::string &ph, const std::string &cat = "") const
	{
		std::vector<const Json *> r;
		for (const Json &e : events())
			if (e["ph"].s == ph && (cat.empty() || e["cat"].s == cat))
				r.push_back(&e);
		return r;
	}
};

::testing::AssertionResult parse_trace(const std::string &text, Trace *t)
{
	if (text.empty())
		return ::testing::AssertionFailure() << "no trace";
	auto r = parse_json(text, &t->doc);
	if (!r)
		return r;
	if (t->doc.kind != Json::Obj || t->doc["traceEvents"].kind != Json::Arr ||
	    t->doc["otherData"].kind != Json::Obj)
		return ::testing::AssertionFailure() << "no traceEvents array or otherData object";
	return ::testing::AssertionSuccess();
}

// A request span with the spans that follow it on the same track until the next request.
struct Request {
	const Json *req;
	std::vector<const Json *> hops, parts; // parts: the IOMMU's, in order
	std::vector<size_t> part_hop;          // per part: the hop it belongs to
};

std::vector<Request> requests(const Trace &t)
{
	std::vector<Request> r;
	for (const Json &e : t.events()) {
		const std::string &cat = e["cat"].s;
		if (cat == "request")
			r.push_back({&e, {}, {}, {}});
		else if (!r.empty() && cat == "hop" && e["tid"].s == r.back().req->get("tid")->s)
			r.back().hops.push_back(&e);
		else if (!r.empty() && cat == "iommu" && e["tid"].s == r.back().req->get("tid")->s) {
			r.back().parts.push_back(&e);
			r.back().part_hop.push_back(r.back().hops.size() - 1);
		}
	}
	return r;
}

TEST(Trace, IsJsonWithTheRunInOtherData)
{
	ReportRun r("msi/movi-under-traffic.yaml", true);
	ASSERT_TRUE(r.loaded) << r.errors;
	Trace t;
	ASSERT_TRUE(parse_trace(r.trace, &t));
	EXPECT_EQ(t.doc["displayTimeUnit"].s, "ns");
	EXPECT_EQ(t.doc["otherData"]["scenario"].s, "movi-under-traffic");
	// 40 MSI writes, every one traced.
	EXPECT_EQ(t.doc["otherData"]["requests_traced"].u64(), 40u);
	EXPECT_EQ(t.doc["otherData"]["requests_not_traced"].u64(), 0u);
	for (const Json &e : t.events()) {
		ASSERT_EQ(e.kind, Json::Obj);
		const std::string &ph = e["ph"].s;
		ASSERT_TRUE(ph == "M" || ph == "X" || ph == "C") << ph;
		EXPECT_EQ(e["pid"].kind, Json::Num);
		if (ph == "X") {
			EXPECT_EQ(e["ts"].kind, Json::Num);
			EXPECT_EQ(e["dur"].kind, Json::Num);
			EXPECT_EQ(e["tid"].kind, Json::Num);
			EXPECT_FALSE(e["name"].s.empty());
		}
	}
}

TEST(Trace, ThreadNamesPerFunctionPeAndIts)
{
	ReportRun r("msi/movi-under-traffic.yaml", true);
	ASSERT_TRUE(r.loaded) << r.errors;
	Trace t;
	ASSERT_TRUE(parse_trace(r.trace, &t));
	std::map<std::pair<std::string, std::string>, std::string> names; // (pid, tid) -> name
	for (const Json *e : t.of("M"))
		if ((*e)["name"].s == "thread_name")
			names[{(*e)["pid"].s, (*e)["tid"].s}] = (*e)["args"]["name"].s;
	auto name = [&](const char *pid, const std::string &tid) { return names[std::make_pair(std::string(pid), tid)]; };
	// Every function on its own track of the fabric process (tid = index + 1), BDF included.
	const pcie_fabric_t &f = r.s.platform.fabric;
	for (uint32_t i = 0; i < f.nfuncs; i++) {
		char bdf[16];
		platform_bdf(&r.s.platform, (int32_t)i, bdf, sizeof bdf);
		EXPECT_EQ(name("1", std::to_string(i + 1)), std::string(f.funcs[i].name) + " " + bdf);
	}
	EXPECT_EQ(name("1", std::to_string(r.fn("nic0") + 1)), "nic0 0000:02:00.0");
	EXPECT_EQ(name("1", "0"), "host (driver actions)");
	EXPECT_EQ(name("2", "100000"), "its0");
	EXPECT_EQ(name("2", "0"), "PE 0 (host)");
	EXPECT_EQ(name("2", "7"), "PE 7 (host)");
	EXPECT_EQ(names.size(), f.nfuncs + 1 + 1 + 8u);
}

TEST(Trace, HopSpansAddUpToTheirRequest)
{
	for (const char *sc : {"msi/movi-under-traffic.yaml", "vfio/assignment-checks.yaml",
			       "smmu/stage1-dma.yaml", "p2p/switch-acs-redirect.yaml"}) {
		SCOPED_TRACE(sc);
		ReportRun r(sc, true);
		ASSERT_TRUE(r.loaded) << r.errors;
		Trace t;
		ASSERT_TRUE(parse_trace(r.trace, &t));
		auto reqs = requests(t);
		ASSERT_FALSE(reqs.empty());
		EXPECT_EQ(reqs.size(), t.doc["otherData"]["requests_traced"].u64());
		for (const Request &q : reqs) {
			SCOPED_TRACE(q.req->get("name")->s);
			sim_time_t start = us_to_ps((*q.req)["ts"]), dur = us_to_ps((*q.req)["dur"]);
			// (A request stopped where it entered the fabric took no time: no hops.)
			EXPECT_EQ(q.hops.empty(), dur == 0);
			// Back to back from the request's start, and together as long as it.
			sim_time_t at = start;
			for (const Json *h : q.hops) {
				EXPECT_EQ(us_to_ps((*h)["ts"]), at) << (*h)["name"].s;
				EXPECT_GT(us_to_ps((*h)["dur"]), 0u) << (*h)["name"].s;
				at += us_to_ps((*h)["dur"]);
			}
			EXPECT_EQ(at - start, dur);
		}
	}
}

TEST(Trace, RequestsMatchTheSteps)
{
	// assignment-checks: four TLP steps, one each; the p2p one (step 2) says so.
	ReportRun r("vfio/assignment-checks.yaml", true);
	ASSERT_TRUE(r.loaded) << r.errors;
	Trace t;
	ASSERT_TRUE(parse_trace(r.trace, &t));
	auto reqs = requests(t);
	ASSERT_EQ(reqs.size(), 4u);
	for (size_t i = 0; i < reqs.size(); i++) {
		const step_t &st = r.step((unsigned)i);
		const Json &q = *reqs[i].req;
		EXPECT_EQ(q["name"].s.rfind("[" + std::to_string(i + 1) + "] ", 0), 0u) << q["name"].s;
		EXPECT_EQ(q["args"]["step"].s, st.name);
		EXPECT_EQ(us_to_ps(q["ts"]), st.start - r.s.t0);
		EXPECT_EQ(us_to_ps(q["dur"]), st.end - st.start);
		EXPECT_EQ(q["tid"].s, std::to_string(st.from + 1));
	}
	EXPECT_EQ(reqs[1].req->get("args")->get("outcome")->s, "delivered");
	EXPECT_EQ(reqs[2].req->get("args")->get("outcome")->s, "blocked");
}

TEST(Trace, RequestsCarryTheirViolations)
{
	// assignment-checks: step 2 (gpu0's write to gpu1) breaks p2p, the others nothing.
	ReportRun a("vfio/assignment-checks.yaml", true);
	ASSERT_TRUE(a.loaded) << a.errors;
	Trace ta;
	ASSERT_TRUE(parse_trace(a.trace, &ta));
	auto reqs = requests(ta);
	ASSERT_EQ(reqs.size(), 4u);
	for (size_t i = 0; i < reqs.size(); i++)
		EXPECT_EQ((*reqs[i].req)["args"]["violations"].u64(), a.step((unsigned)i).nviol)
			<< (*reqs[i].req)["name"].s;
	EXPECT_EQ(a.step(1).nviol, 1u);

	// nvme1 bypasses the SMMU and reads vm1's RAM: each of its stream's requests breaks the
	// dma invariant, and the trace's requests say so.
	ReportRun r("malicious/bypass-device-reads-vm-ram.yaml", true);
	ASSERT_TRUE(r.loaded) << r.errors;
	Trace t;
	ASSERT_TRUE(parse_trace(r.trace, &t));
	uint64_t want = 0;
	for (uint32_t i = 0; i < r.s.nsteps; i++)
		for (unsigned k = 0; k < r.step(i).nviol; k++)
			want += r.step(i).viol[k].count;
	ASSERT_GT(want, 0u);
	uint64_t got = 0;
	for (const Request &q : requests(t))
		got += (*q.req)["args"]["violations"].u64();
	EXPECT_EQ(got, want);
}

TEST(Trace, IommuPartsAddUpToTheIommuHop)
{
	// Random reads of a 64 KiB window: 16 walks, the rest TLB hits.
	ReportRun r("validation/iotlb-window.yaml", true);
	ASSERT_TRUE(r.loaded) << r.errors;
	Trace t;
	ASSERT_TRUE(parse_trace(r.trace, &t));
	const stream_t &sm = *r.step(0).stream;
	auto reqs = requests(t);
	ASSERT_EQ(reqs.size(), sm.done);
	std::map<std::string, sim_time_t> part_sum;
	uint64_t walk_reads = 0, config_reads = 0, with_walk = 0;
	for (const Request &q : reqs) {
		ASSERT_FALSE(q.parts.empty()) << "no IOMMU parts for " << (*q.req)["name"].s;
		// One IOMMU hop; its parts tile it.
		size_t hop = q.part_hop[0];
		const Json &h = *q.hops[hop];
		EXPECT_NE(h["name"].s.find("iommu-"), std::string::npos) << h["name"].s;
		sim_time_t at = us_to_ps(h["ts"]);
		for (size_t k = 0; k < q.parts.size(); k++) {
			const Json &p = *q.parts[k];
			EXPECT_EQ(q.part_hop[k], hop);
			EXPECT_EQ(us_to_ps(p["ts"]), at) << p["name"].s;
			at += us_to_ps(p["dur"]);
			part_sum[p["name"].s] += us_to_ps(p["dur"]);
			if (p["name"].s == "walk") {
				walk_reads += p["args"]["reads"].u64();
				with_walk++;
			}
			if (p["name"].s == "config" && p.get("args"))
				config_reads += p["args"]["reads"].u64();
		}
		EXPECT_EQ(at, us_to_ps(h["ts"]) + us_to_ps(h["dur"]));
	}
	// The same sums as the stream's (its "iommu mean" line divides them).
	EXPECT_EQ(part_sum["uTLB"], sm.iommu_parts[0]);
	EXPECT_EQ(part_sum["TLB"], sm.iommu_parts[1]);
	EXPECT_EQ(part_sum["link"], sm.iommu_parts[2]);
	EXPECT_EQ(part_sum["config"], sm.iommu_parts[4]);
	EXPECT_EQ(part_sum["walk"], sm.iommu_parts[6]);
	EXPECT_EQ(part_sum["response"], sm.iommu_parts[8]);
	EXPECT_EQ(walk_reads, sm.walk_reads);
	EXPECT_EQ(config_reads, sm.config_reads);
	EXPECT_EQ(with_walk, 16u);
}

TEST(Trace, ItsSpanForEveryMsi)
{
	ReportRun r("msi/movi-under-traffic.yaml", true);
	ASSERT_TRUE(r.loaded) << r.errors;
	Trace t;
	ASSERT_TRUE(parse_trace(r.trace, &t));
	auto reqs = requests(t);
	ASSERT_EQ(reqs.size(), 40u);
	// The ITS track: per MSI a span named after the DeviceID and EventID, its parts inside.
	std::vector<const Json *> its, parts;
	for (const Json *e : t.of("X", "its"))
		((*e)["name"].s[0] == '[' ? its : parts).push_back(e);
	ASSERT_EQ(its.size(), 40u);
	char want[64];
	snprintf(want, sizeof want, "[1] DeviceID 0x%x EventID 0", r.step(0).msi_devid);
	size_t pi = 0;
	for (size_t i = 0; i < its.size(); i++) {
		const Json &x = *its[i];
		SCOPED_TRACE(i);
		EXPECT_EQ(x["name"].s, want);
		EXPECT_EQ(x["pid"].s, "2");
		EXPECT_EQ(x["tid"].s, "100000");
		EXPECT_EQ(x["args"]["status"].s, "ok");
		EXPECT_EQ(x["args"]["intid"].u64(), r.s.deliveries[i].intid);
		// The write reaches the ITS when its request ends.
		const Json &q = *reqs[i].req;
		EXPECT_EQ(us_to_ps(x["ts"]), us_to_ps(q["ts"]) + us_to_ps(q["dur"]));
		sim_time_t at = us_to_ps(x["ts"]), end = at + us_to_ps(x["dur"]);
		for (; pi < parts.size() && at < end; pi++) {
			EXPECT_EQ(us_to_ps((*parts[pi])["ts"]), at) << (*parts[pi])["name"].s;
			at += us_to_ps((*parts[pi])["dur"]);
		}
		EXPECT_EQ(at, end);
	}
	EXPECT_EQ(pi, parts.size());
	// The first MSI read the ITS tables (cold caches), in its "table reads" part.
	EXPECT_GT(its[0]->get("args")->get("table_reads")->u64(), 0u);
	EXPECT_EQ((*parts[1])["name"].s, "table reads");
}

TEST(Trace, InterruptSpansOnThePeTracks)
{
	ReportRun r("msi/movi-under-traffic.yaml", true);
	ASSERT_TRUE(r.loaded) << r.errors;
	Trace t;
	ASSERT_TRUE(parse_trace(r.trace, &t));
	auto irqs = t.of("X", "interrupt");
	ASSERT_EQ(irqs.size(), r.s.ndeliveries);
	ASSERT_EQ(irqs.size(), 40u);
	std::set<std::string> pes;
	for (size_t i = 0; i < irqs.size(); i++) {
		const gic_delivery_t &d = r.s.deliveries[i];
		const Json &e = *irqs[i];
		SCOPED_TRACE(i);
		EXPECT_EQ(e["pid"].s, "2");
		EXPECT_EQ(e["tid"].s, std::to_string(d.pe));
		EXPECT_EQ(e["name"].s, "LPI " + std::to_string(d.intid));
		EXPECT_EQ(us_to_ps(e["ts"]), d.raised_at - r.s.t0);
		EXPECT_EQ(us_to_ps(e["dur"]), d.taken_at - d.raised_at);
		EXPECT_EQ(e["args"]["step"].u64(), 1u);
		pes.insert(e["tid"].s);
	}
	// The MOVI moved the vector from PE 0 to PE 1 halfway.
	EXPECT_EQ(pes, (std::set<std::string>{"0", "1"}));
	// The affinity change is an action span on the host's track.
	auto acts = t.of("X", "action");
	ASSERT_EQ(acts.size(), 1u);
	EXPECT_EQ((*acts[0])["tid"].s, "0");
	EXPECT_EQ((*acts[0])["name"].s, std::string("[2] ") + r.step(1).name);
}

TEST(Trace, TcuCounterOnEveryMiss)
{
	ReportRun r("validation/iotlb-window.yaml", true);
	ASSERT_TRUE(r.loaded) << r.errors;
	Trace t;
	ASSERT_TRUE(parse_trace(r.trace, &t));
	const stream_t &sm = *r.step(0).stream;
	auto counters = t.of("C");
	// A sample each time a miss reached the TCU (uTLB and TLB missed): 16 pages, 16 walks.
	ASSERT_EQ(counters.size(), (size_t)(sm.translated - sm.utlb_hits - sm.tlb_hits));
	EXPECT_EQ(counters.size(), 16u);
	// Each at the time its request reached the SMMU (its IOMMU hop starts then), for the
	// requests whose IOMMU parts go past the TBU's uTLB and TLB.
	std::set<sim_time_t> iommu_starts;
	for (const Request &q : requests(t))
		for (size_t k = 0; k < q.parts.size(); k++)
			if ((*q.parts[k])["name"].s != "uTLB" && (*q.parts[k])["name"].s != "TLB")
				iommu_starts.insert(us_to_ps((*q.hops[q.part_hop[k]])["ts"]));
	EXPECT_EQ(iommu_starts.size(), 16u);
	for (const Json *c : counters) {
		EXPECT_EQ((*c)["name"].s, std::string(r.s.platform.smmus[0].name) + " TCU slots busy");
		EXPECT_EQ((*c)["pid"].s, "1");
		uint64_t busy = (*c)["args"]["translation"].u64();
		EXPECT_GE(busy, 1u);
		EXPECT_LE(busy, r.s.platform.smmus[0].params.translation_slots);
		EXPECT_LE((*c)["args"]["walk"].u64(), r.s.platform.smmus[0].params.walk_slots);
		EXPECT_TRUE(iommu_starts.count(us_to_ps((*c)["ts"]))) << (*c)["ts"].s;
	}
}

TEST(Trace, StepNamesAreEscaped)
{
	// A step name with a quote, a backslash and a tab (YAML escapes): still JSON.
	ReportRun r(iofab_test::shipped_platform("neoverse-smmu.yaml"), iofab_test::scenario_text(R"(steps:
  - name: "say \"hi\" \\ then\ttab"
    from: nvme0
    tlp: { type: MWr, address: 0x80001000, length: 64 }
)"),
	      true);
	ASSERT_TRUE(r.loaded) << r.errors;
	ASSERT_STREQ(r.step(0).name, "say \"hi\" \\ then\ttab");
	Trace t;
	ASSERT_TRUE(parse_trace(r.trace, &t));
	auto reqs = requests(t);
	ASSERT_EQ(reqs.size(), 1u);
	EXPECT_EQ((*reqs[0].req)["args"]["step"].s, r.step(0).name);
}

TEST(Trace, SameRunSameBytes)
{
	ReportRun a("msi/movi-under-traffic.yaml", true), b("msi/movi-under-traffic.yaml", true);
	ASSERT_TRUE(a.loaded && b.loaded);
	ASSERT_FALSE(a.trace.empty());
	EXPECT_TRUE(a.trace == b.trace) << "two traces of the same run differ";
	ReportRun c("validation/iotlb-window.yaml", true), d("validation/iotlb-window.yaml", true);
	ASSERT_TRUE(c.loaded && d.loaded);
	EXPECT_TRUE(c.trace == d.trace) << "two traces of the same run differ";
}

TEST(Trace, StreamRequestsCappedAndCounted)
{
	// The stream step of a run, traced TRACE_MAX_REQUESTS + 3 times by hand (its hops left out
	// to keep the text small): the last 3 are counted, not traced; a one-off request and an
	// action after the cap still are.
	ReportRun r(iofab_test::shipped_platform("neoverse-smmu.yaml"), iofab_test::scenario_text(R"(steps:
  - name: s
    from: nvme0
    stream: { type: MWr, window: { base: 0x80000000, size: 64K }, size: 64, count: 2 }
  - name: one
    from: nvme0
    tlp: { type: MWr, address: 0x80001000, length: 64 }
  - do: { sync: smmu0 }
)"),
	      false);
	ASSERT_TRUE(r.loaded) << r.errors;
	step_t &st = r.s.steps[0];
	ASSERT_NE(st.stream, nullptr);
	st.route.nhops = 0;
	st.has_cpl = st.has_msi = false;
	ASSERT_TRUE(trace_begin(&r.s));
	for (uint32_t i = 0; i < TRACE_MAX_REQUESTS + 3; i++)
		trace_request(&r.s, &st);
	trace_smmu_slots(&r.s, 0); // the counter stops with the requests
	trace_request(&r.s, &r.s.steps[1]);
	trace_request(&r.s, &r.s.steps[2]);
	size_t len = 0;
	char *text = trace_end(&r.s, &len);
	ASSERT_NE(text, nullptr);
	std::string tr(text, len);
	free(text);
	EXPECT_EQ(r.s.trace, nullptr);
	EXPECT_EQ(count_of(tr, "\"cat\":\"request\",\"name\":\"[1] "), (size_t)TRACE_MAX_REQUESTS);
	EXPECT_EQ(count_of(tr, "\"cat\":\"request\",\"name\":\"[2] "), 1u);
	EXPECT_EQ(count_of(tr, "\"cat\":\"action\""), 1u);
	EXPECT_EQ(count_of(tr, "\"ph\":\"C\""), 0u);
	size_t od = tr.rfind("\"otherData\":");
	ASSERT_NE(od, std::string::npos);
	Json other;
	std::string tail = tr.substr(od + 12);
	tail = tail.substr(0, tail.rfind('}')); // the otherData object, without the document's '}'
	ASSERT_TRUE(parse_json(tail, &other));
	EXPECT_EQ(other["requests_traced"].u64(), (uint64_t)TRACE_MAX_REQUESTS + 1);
	EXPECT_EQ(other["requests_not_traced"].u64(), 3u);
}

// --- the HTML report ------------------------------------------------------------------------------

// The part of the page from heading `h2` to the next <h2> (or the end).
std::string section(const std::string &page, const std::string &h2)
{
	size_t a = page.find("<h2>" + h2 + "</h2>");
	if (a == std::string::npos)
		return "";
	size_t b = page.find("<h2>", a + 4);
	return page.substr(a, b == std::string::npos ? std::string::npos : b - a);
}

// The HTML page with its markup escaped as html.c escapes text.
std::string html_escaped(const std::string &s)
{
	std::string r;
	for (char c : s) {
		switch (c) {
		case '&': r += "&amp;"; break;
		case '<': r += "&lt;"; break;
		case '>': r += "&gt;"; break;
		case '"': r += "&quot;"; break;
		default: r += c;
		}
	}
	return r;
}

TEST(HtmlReport, SelfContainedWithViolationsAndTopology)
{
	ReportRun r("vfio/assignment-checks.yaml");
	ASSERT_TRUE(r.loaded) << r.errors;
	TempDir tmp;
	std::string dir = tmp.path + "/report"; // not there yet: html_report creates it
	const char *why = html_report(dir.c_str(), &r.s);
	ASSERT_EQ(why, nullptr) << why;
	std::string page = read_text(dir + "/index.html");
	ASSERT_FALSE(page.empty());
	EXPECT_EQ(page.rfind("<!DOCTYPE html>", 0), 0u);
	EXPECT_NE(page.find("</html>"), std::string::npos);
	// Nothing loaded from elsewhere.
	for (const char *ext : {"src=", "href=", "<link", "@import", "url("})
		EXPECT_EQ(page.find(ext), std::string::npos) << ext;
	// The violation's explanation, and the topology inline with its red path.
	ASSERT_EQ(r.step(1).nviol, 1u);
	std::string viol = section(page, "Violations");
	EXPECT_NE(viol.find(html_escaped(r.step(1).viol[0].text)), std::string::npos) << viol;
	EXPECT_NE(viol.find("<b>[2] p2p</b>"), std::string::npos) << viol;
	EXPECT_EQ(count_of(viol, "class=\"viol\""), 1u) << viol;
	EXPECT_EQ(viol.find("class=\"ok\""), std::string::npos) << viol;
	std::string topo = section(page, "Topology");
	EXPECT_NE(topo.find("<svg"), std::string::npos);
	EXPECT_EQ(page.find("<?xml"), std::string::npos);
	EXPECT_NE(topo.find("stroke=\"red\""), std::string::npos);
	EXPECT_NE(topo.find("group 9"), std::string::npos);
	// The full text report at the end.
	EXPECT_NE(page.find(html_escaped(r.report().substr(0, 60))), std::string::npos);
	// Only index.html (the temporary file renamed).
	size_t files = 0;
	for (const auto &e : std::filesystem::directory_iterator(dir)) {
		EXPECT_EQ(e.path().filename(), "index.html");
		files++;
	}
	EXPECT_EQ(files, 1u);
}

TEST(HtmlReport, NoViolationsNoRed)
{
	ReportRun r("smmu/stage1-dma.yaml");
	ASSERT_TRUE(r.loaded) << r.errors;
	TempDir tmp;
	ASSERT_EQ(html_report(tmp.path.c_str(), &r.s), nullptr); // an existing directory is fine
	std::string page = read_text(tmp.path + "/index.html");
	EXPECT_EQ(count_of(section(page, "Violations"), "class=\"viol\""), 0u);
	EXPECT_NE(section(page, "Violations").find("class=\"ok\""), std::string::npos);
	EXPECT_NE(page.find("<svg"), std::string::npos);
	EXPECT_EQ(page.find("stroke=\"red\""), std::string::npos);
}

TEST(HtmlReport, HistogramPerStream)
{
	ReportRun r("validation/iotlb-window.yaml");
	ASSERT_TRUE(r.loaded) << r.errors;
	TempDir tmp;
	ASSERT_EQ(html_report(tmp.path.c_str(), &r.s), nullptr);
	std::string page = read_text(tmp.path + "/index.html");
	size_t h = page.find("<h2>Latency histograms</h2>");
	ASSERT_NE(h, std::string::npos);
	EXPECT_NE(page.find("<h3>[1] " + html_escaped(r.step(0).name) + "</h3>", h), std::string::npos);
	// The bars hold every request once.
	const stream_t &sm = *r.step(0).stream;
	size_t svg = page.find("<svg", h), end = page.find("</svg>", svg);
	ASSERT_NE(end, std::string::npos);
	std::string hist = page.substr(svg, end - svg);
	uint64_t total = 0, bars = 0;
	for (size_t pos = 0; (pos = hist.find("<title>", pos)) != std::string::npos; pos++) {
		total += std::strtoull(hist.c_str() + pos + 7, nullptr, 10);
		bars++;
	}
	EXPECT_EQ(total, sm.done);
	EXPECT_GE(bars, 2u); // 602 ns most of the time, a walk now and then
	EXPECT_NE(hist.find("latency (" + std::to_string(sm.done) + " requests)"), std::string::npos);
	sim_time_t q[STREAM_QUANTILES];
	ASSERT_TRUE(stream_percentiles(&sm, q));
	EXPECT_NE(hist.find("p50 " + ns_text(q[1])), std::string::npos);
	EXPECT_NE(hist.find("p99 " + ns_text(q[3])), std::string::npos);
}

TEST(HtmlReport, EscapesWhatItQuotes)
{
	ReportRun r(iofab_test::shipped_platform("neoverse-smmu.yaml"),
	      "name: \"a<b>&c\"\nplatform: p.yaml\ndescription: \"<script>alert(1)</script>\"\n"
	      "steps:\n  - name: \"<i>x</i> & \\\"y\\\"\"\n    from: nvme0\n"
	      "    tlp: { type: MWr, address: 0x80001000, length: 64 }\n",
	      false);
	ASSERT_TRUE(r.loaded) << r.errors;
	TempDir tmp;
	ASSERT_EQ(html_report(tmp.path.c_str(), &r.s), nullptr);
	std::string page = read_text(tmp.path + "/index.html");
	EXPECT_NE(page.find("<title>iofab: a&lt;b&gt;&amp;c</title>"), std::string::npos);
	EXPECT_NE(page.find("&lt;script&gt;alert(1)&lt;/script&gt;"), std::string::npos);
	EXPECT_NE(page.find("&lt;i&gt;x&lt;/i&gt; &amp; &quot;y&quot;"), std::string::npos);
	EXPECT_EQ(page.find("<script>"), std::string::npos);
	EXPECT_EQ(page.find("<i>x</i>"), std::string::npos);
}

TEST(HtmlReport, MissingParentDirectoryFails)
{
	ReportRun r("vfio/assignment-checks.yaml");
	ASSERT_TRUE(r.loaded) << r.errors;
	TempDir tmp;
	std::string dir = tmp.path + "/no/such/dir";
	const char *why = html_report(dir.c_str(), &r.s);
	ASSERT_NE(why, nullptr);
	EXPECT_FALSE(std::filesystem::exists(tmp.path + "/no"));
}

TEST(HtmlReport, WithoutGraphvizSaysWhy)
{
	ReportRun r("vfio/assignment-checks.yaml");
	ASSERT_TRUE(r.loaded) << r.errors;
	TempDir tmp;
	const char *why;
	{
		NoGraphviz no_dot;
		why = html_report(tmp.path.c_str(), &r.s);
	}
	ASSERT_EQ(why, nullptr) << why;
	std::string page = read_text(tmp.path + "/index.html");
	EXPECT_NE(section(page, "Topology").find("Graphviz's dot was not found"), std::string::npos);
	EXPECT_EQ(page.find("<svg"), std::string::npos); // no streams: no picture at all
	// The rest of the page is there.
	EXPECT_NE(section(page, "Violations").find(html_escaped(r.step(1).viol[0].text)), std::string::npos);
	EXPECT_NE(page.find("<h2>Full report</h2>"), std::string::npos);
}

// --- the picture --------------------------------------------------------------------------------

struct PlatformDot {
	platform_t p{};
	iommu_groups_t g{};
	bool ok = false;
	std::string errors, dot;
	explicit PlatformDot(const std::string &yaml)
	{
		ok = iofab_test::load_platform(yaml, &p, &errors);
		if (!ok)
			return;
		ok = groups_compute(&p, &g);
		if (!ok) {
			platform_free(&p);
			return;
		}
		char *buf = nullptr;
		size_t len = 0;
		FILE *f = open_memstream(&buf, &len);
		draw_dot(f, &p, &g, nullptr);
		fclose(f);
		dot.assign(buf, len);
		free(buf);
	}
	~PlatformDot()
	{
		if (ok) {
			groups_free(&g);
			platform_free(&p);
		}
	}
	int32_t fn(const char *name) const { return iofab_test::fn(p, name); }
};

// The DOT line that declares node `id` ("f3"), or "".
std::string node_line(const std::string &dot, const std::string &id)
{
	std::istringstream in(dot);
	for (std::string l; std::getline(in, l);) {
		size_t a = l.find_first_not_of(' ');
		if (a != std::string::npos && l.compare(a, id.size() + 2, id + " [") == 0)
			return l;
	}
	return "";
}

// Per cluster_gN: the function nodes declared inside it.
std::map<int, std::set<int>> clusters(const std::string &dot)
{
	std::map<int, std::set<int>> r;
	std::istringstream in(dot);
	int cur = -1;
	for (std::string l; std::getline(in, l);) {
		if (l.rfind("  subgraph cluster_g", 0) == 0) {
			cur = std::atoi(l.c_str() + 20);
			r[cur];
		} else if (l == "  }") {
			cur = -1;
		} else if (cur >= 0 && l.rfind("    f", 0) == 0) {
			r[cur].insert(std::atoi(l.c_str() + 5));
		}
	}
	return r;
}

TEST(DrawDot, ClusterPerIommuGroup)
{
	PlatformDot d(iofab_test::shipped_platform("neoverse-vfio.yaml"));
	ASSERT_TRUE(d.ok) << d.errors;
	EXPECT_EQ(d.dot.rfind("digraph iofab {", 0), 0u);
	auto cl = clusters(d.dot);
	ASSERT_EQ(cl.size(), d.g.n);
	for (uint32_t i = 0; i < d.p.fabric.nfuncs; i++) {
		SCOPED_TRACE(d.p.fabric.funcs[i].name);
		ASSERT_GE(d.g.of[i], 0);
		EXPECT_TRUE(cl[d.g.of[i]].count((int)i));
	}
	for (const auto &c : cl)
		EXPECT_NE(d.dot.find("label=\"group " + std::to_string(c.first) + "\""), std::string::npos);
	// qnic's two functions share group 4 (no ACS between them).
	EXPECT_EQ(d.g.of[d.fn("qnic.p0")], d.g.of[d.fn("qnic.p1")]);
	EXPECT_EQ(cl[d.g.of[d.fn("qnic.p0")]].size(), 2u);
	// Nothing red without a scenario, and no owners' legend.
	EXPECT_EQ(d.dot.find("color=red"), std::string::npos);
	EXPECT_EQ(d.dot.find("cluster_legend"), std::string::npos);
}

TEST(DrawDot, PortLabelsNameMissingAcs)
{
	// neoverse-vfio: sw0's downstream ports have no ACS capability; the root ports have it all.
	PlatformDot d(iofab_test::shipped_platform("neoverse-vfio.yaml"));
	ASSERT_TRUE(d.ok) << d.errors;
	std::string dp0 = node_line(d.dot, "f" + std::to_string(d.fn("sw0.dp0")));
	EXPECT_NE(dp0.find("\\nno ACS\""), std::string::npos) << dp0;
	EXPECT_NE(dp0.find("color=\"#e6550d\""), std::string::npos) << dp0;
	std::string rp1 = node_line(d.dot, "f" + std::to_string(d.fn("rp1")));
	EXPECT_NE(rp1.find("\\nACS: SV RR CR UF\""), std::string::npos) << rp1;
	EXPECT_EQ(rp1.find("#e6550d"), std::string::npos) << rp1;

	// Firmware's controls kept (enable_acs: false): the redirects a port leaves off.
	std::string plx = iofab_test::shipped_platform("plx-no-acs.yaml");
	plx = replaced(plx, "root_complexes:", "kernel: { enable_acs: false }\n\nroot_complexes:");
	plx = replaced(plx, "              acs: none", "              acs: { cap: [SV, RR, CR, UF], ctrl: [SV, UF] }");
	plx = replaced(plx, "              acs: none", "              acs: { cap: [SV, RR, CR, UF], ctrl: [SV, CR, UF] }");
	PlatformDot x(plx);
	ASSERT_TRUE(x.ok) << x.errors;
	std::string a = node_line(x.dot, "f" + std::to_string(x.fn("plx.dp0")));
	std::string b = node_line(x.dot, "f" + std::to_string(x.fn("plx.dp1")));
	std::string c = node_line(x.dot, "f" + std::to_string(x.fn("plx.dp2")));
	EXPECT_NE(a.find("\\nACS: SV UF (off: RR CR)\""), std::string::npos) << a;
	EXPECT_NE(b.find("\\nACS: SV CR UF (off: RR)\""), std::string::npos) << b;
	EXPECT_NE(c.find("\\nno ACS\""), std::string::npos) << c;
	for (const std::string &l : {a, b, c})
		EXPECT_NE(l.find("color=\"#e6550d\""), std::string::npos) << l;
}

TEST(DrawDot, FunctionsFilledByOwner)
{
	ReportRun r("vfio/assignment-checks.yaml");
	ASSERT_TRUE(r.loaded) << r.errors;
	std::string dot = r.dot();
	// The legend: a node per owner with its colour.
	std::map<unsigned, std::string> fill;
	for (unsigned o = 0; o < r.s.nowners; o++) {
		std::string l = node_line(dot, "owner" + std::to_string(o));
		ASSERT_FALSE(l.empty()) << "owner" << o;
		EXPECT_NE(l.find("label=\"" + std::string(r.s.owners[o]) + "\""), std::string::npos) << l;
		size_t k = l.find("fillcolor=\"");
		ASSERT_NE(k, std::string::npos);
		fill[o] = l.substr(k + 11, 7);
	}
	std::set<std::string> distinct;
	for (const auto &f : fill)
		distinct.insert(f.second);
	EXPECT_EQ(distinct.size(), fill.size()) << "two owners share a colour";
	// Each endpoint in its owner's colour, the owner named; nvme1 bound to VFIO but in no VM.
	const pcie_fabric_t &f = r.s.platform.fabric;
	for (uint32_t i = 0; i < f.nfuncs; i++) {
		if (f.funcs[i].is_bridge)
			continue;
		SCOPED_TRACE(f.funcs[i].name);
		std::string l = node_line(dot, "f" + std::to_string(i));
		unsigned o = r.s.fn_owner[i];
		if (o == OWNER_UNBOUND) {
			EXPECT_NE(l.find("VFIO, no VM"), std::string::npos) << l;
			EXPECT_NE(l.find("fillcolor=\"#d9d9d9\""), std::string::npos) << l;
		} else {
			EXPECT_NE(l.find("\\n" + std::string(r.s.owners[o]) + "\""), std::string::npos) << l;
			EXPECT_NE(l.find("fillcolor=\"" + fill[o] + "\""), std::string::npos) << l;
		}
	}
	EXPECT_EQ(r.s.fn_owner[r.fn("nvme1")], OWNER_UNBOUND);
	EXPECT_NE(r.s.fn_owner[r.fn("gpu0")], r.s.fn_owner[r.fn("gpu1")]);
}

TEST(DrawDot, ViolationIsARedPathAlongItsHops)
{
	ReportRun r("vfio/assignment-checks.yaml");
	ASSERT_TRUE(r.loaded) << r.errors;
	std::string dot = r.dot();
	std::vector<std::string> red;
	std::istringstream in(dot);
	for (std::string l; std::getline(in, l);)
		if (l.find("color=red") != std::string::npos)
			red.push_back(l);
	auto f = [&](const char *n) { return "f" + std::to_string(r.fn(n)); };
	// gpu0's write to gpu1's BAR: up to sw0.dp0, across to sw0.dp1, down to gpu1.
	ASSERT_EQ(red.size(), 3u) << dot;
	EXPECT_EQ(red[0].rfind("  " + f("gpu0") + " -> " + f("sw0.dp0") + " [", 0), 0u) << red[0];
	EXPECT_NE(red[0].find("label=\"[2] p2p\""), std::string::npos) << red[0];
	EXPECT_EQ(red[1].rfind("  " + f("sw0.dp0") + " -> " + f("sw0.dp1") + " [", 0), 0u) << red[1];
	EXPECT_EQ(red[2].rfind("  " + f("sw0.dp1") + " -> " + f("gpu1") + " [", 0), 0u) << red[2];
	EXPECT_EQ(red[1].find("label="), std::string::npos);
	EXPECT_EQ(red[2].find("label="), std::string::npos);
}

TEST(DrawDot, ViolationIntoMemoryEndsThere)
{
	// nvme1 bypasses the SMMU (no STE: bypass) and reads vm1's RAM: one dma violation
	// per request of its stream, drawn once, ending at memory.
	ReportRun r("malicious/bypass-device-reads-vm-ram.yaml");
	ASSERT_TRUE(r.loaded) << r.errors;
	std::string dot = r.dot();
	unsigned violating = 0;
	for (uint32_t i = 0; i < r.s.nsteps; i++)
		violating += r.step(i).nviol && r.step(i).from >= 0;
	ASSERT_GT(violating, 0u);
	EXPECT_EQ(count_of(dot, ", fontcolor=red]"), violating);
	EXPECT_NE(dot.find(" -> mem [color=red"), std::string::npos) << dot;
}

TEST(DrawSvg, RendersSvgWithDot)
{
	ReportRun r("vfio/assignment-checks.yaml");
	ASSERT_TRUE(r.loaded) << r.errors;
	std::string dot = r.dot();
	const char *why = "unset";
	char *svg = draw_svg(dot.data(), dot.size(), &why);
	ASSERT_NE(svg, nullptr) << why;
	std::string s(svg);
	free(svg);
	EXPECT_EQ(why, nullptr);
	EXPECT_TRUE(s.rfind("<?xml", 0) == 0 || s.rfind("<svg", 0) == 0) << s.substr(0, 80);
	EXPECT_NE(s.find("</svg>"), std::string::npos);
	EXPECT_NE(s.find("stroke=\"red\""), std::string::npos);
	EXPECT_NE(s.find("[2] p2p"), std::string::npos);
}

TEST(DrawSvg, SaysWhenDotIsMissing)
{
	const char *why = nullptr;
	char *svg;
	{
		NoGraphviz no_dot;
		const std::string dot = "digraph { a -> b }\n";
		svg = draw_svg(dot.data(), dot.size(), &why);
	}
	EXPECT_EQ(svg, nullptr);
	free(svg);
	ASSERT_NE(why, nullptr);
	EXPECT_NE(std::string(why).find("dot was not found"), std::string::npos) << why;
	// PATH is back: dot runs again.
	const std::string dot = "digraph { a -> b }\n";
	svg = draw_svg(dot.data(), dot.size(), &why);
	EXPECT_NE(svg, nullptr) << why;
	free(svg);
}

TEST(DrawSvg, SaysWhenDotFails)
{
	const std::string bad = "digraph { a -> ";
	const char *why = nullptr;
	char *svg = draw_svg(bad.data(), bad.size(), &why);
	EXPECT_EQ(svg, nullptr);
	free(svg);
	ASSERT_NE(why, nullptr);
	EXPECT_NE(std::string(why).find("failed"), std::string::npos) << why;
}

TEST(DrawSvg, LargeGraphWithoutDotIsAnError)
{
	// More DOT text than a pipe holds, with no dot to read it: an error message, not a
	// process killed by SIGPIPE (run in a child so that a kill fails only this test).
	std::string dot = "digraph {\n";
	for (int i = 0; i < 20000; i++)
		dot += "  n" + std::to_string(i) + " -> n" + std::to_string(i + 1) + ";\n";
	dot += "}\n";
	NoGraphviz no_dot(true); // here, not in the child: std::exit skips its destructor
	EXPECT_EXIT(
		{
			const char *why = nullptr;
			char *svg = draw_svg(dot.data(), dot.size(), &why);
			bool ok = !svg && why && std::strstr(why, "not found");
			std::exit(ok ? 0 : 3);
		},
		::testing::ExitedWithCode(0), "");
}

// --- statistics ------------------------------------------------------------------------------------

TEST(Stats, TextBlockForMsisUnderTraffic)
{
	// movi-under-traffic: nic0's 40 MSIs, translated by smmu0 (host_iommu: translated), taken
	// through its0.
	ReportRun r("msi/movi-under-traffic.yaml");
	ASSERT_TRUE(r.loaded) << r.errors;
	std::string st = stats_block(r.report());
	ASSERT_FALSE(st.empty()) << r.report();
	EXPECT_NE(st.find("  smmu0: 40 translations, 0 faults; peak TCU occupancy "), std::string::npos)
		<< st;
	EXPECT_NE(st.find(" of 64 translation slots, "), std::string::npos) << st;
	EXPECT_NE(st.find(" of 16 walk slots\n    cache hits: "), std::string::npos) << st;
	EXPECT_NE(st.find("  its0: 40 MSIs (40 translated, 0 dropped), "), std::string::npos) << st;
	// Raised to taken, from the deliveries themselves.
	ASSERT_EQ(r.s.ndeliveries, 40u);
	std::vector<sim_time_t> v;
	for (uint32_t i = 0; i < r.s.ndeliveries; i++)
		v.push_back(r.s.deliveries[i].taken_at - r.s.deliveries[i].raised_at);
	std::string want = "  MSIs through its0: 40 taken; raised to taken: min " +
			   ns_text(nearest_rank(v, 0)) + ", p50 " + ns_text(nearest_rank(v, 500)) +
			   ", p99 " + ns_text(nearest_rank(v, 990)) + ", max " +
			   ns_text(*std::max_element(v.begin(), v.end()));
	EXPECT_EQ(line_starting(st, "  MSIs through its0:"), want);
	// nic0's requests: the stream's 40, their mean latency.
	const stream_t &sm = *r.step(0).stream;
	ASSERT_EQ(sm.done, 40u);
	auto lat = stream_lat(sm);
	sim_time_t sum = std::accumulate(lat.begin(), lat.end(), (sim_time_t)0);
	EXPECT_EQ(line_starting(st, "  nic0:"),
		  "  nic0: 40 requests, mean latency " + ns_text(sum / 40) + ", 0 violations");
	// No other device sent anything.
	EXPECT_EQ(line_starting(st, "  nvme0:"), "");
}

TEST(Stats, JsonMatchesTheRun)
{
	ReportRun r("msi/movi-under-traffic.yaml");
	ASSERT_TRUE(r.loaded) << r.errors;
	Json doc;
	ASSERT_TRUE(parse_json(r.json(), &doc));
	const Json &st = doc["statistics"];
	ASSERT_EQ(st.kind, Json::Obj);
	ASSERT_EQ(st["smmus"].a.size(), 1u);
	const Json &sm0 = st["smmus"].a[0];
	EXPECT_EQ(sm0["name"].s, "smmu0");
	EXPECT_EQ(sm0["translations"].u64(), 40u);
	EXPECT_EQ(sm0["faults"].u64(), 0u);
	EXPECT_GE(sm0["peak_translation_slots"].u64(), 1u);
	EXPECT_EQ(sm0["caches"]["utlb0"]["entries"].u64(), 32u);
	EXPECT_EQ(sm0["caches"]["tlb"]["entries"].u64(), 2048u);
	ASSERT_EQ(st["its"].a.size(), 1u);
	EXPECT_EQ(st["its"].a[0]["name"].s, "its0");
	EXPECT_EQ(st["its"].a[0]["msis"].u64(), 40u);
	EXPECT_EQ(st["its"].a[0]["translated"].u64(), 40u);
	EXPECT_EQ(st["its"].a[0]["dropped"].u64(), 0u);
	for (const char *c : {"event", "device", "collection"})
		EXPECT_EQ(st["its"].a[0]["caches"][c].kind, Json::Obj) << c;
	// MSI paths from the deliveries.
	std::vector<sim_time_t> v;
	for (uint32_t i = 0; i < r.s.ndeliveries; i++)
		v.push_back(r.s.deliveries[i].taken_at - r.s.deliveries[i].raised_at);
	ASSERT_EQ(st["msi_paths"].a.size(), 1u);
	const Json &mp = st["msi_paths"].a[0];
	EXPECT_EQ(mp["controller"].s, "its0");
	EXPECT_EQ(mp["taken"].u64(), 40u);
	EXPECT_EQ(mp["raised_to_taken_ps"]["min"].u64(), nearest_rank(v, 0));
	EXPECT_EQ(mp["raised_to_taken_ps"]["p50"].u64(), nearest_rank(v, 500));
	EXPECT_EQ(mp["raised_to_taken_ps"]["p99"].u64(), nearest_rank(v, 990));
	EXPECT_EQ(mp["raised_to_taken_ps"]["max"].u64(), nearest_rank(v, 1000));
	// Devices: nic0 alone, its stream's latencies summed.
	auto lat = stream_lat(*r.step(0).stream);
	ASSERT_EQ(st["devices"].a.size(), 1u);
	const Json &d = st["devices"].a[0];
	EXPECT_EQ(d["function"].s, "nic0");
	EXPECT_EQ(d["requests"].u64(), 40u);
	EXPECT_EQ(d["latency_sum_ps"].u64(), std::accumulate(lat.begin(), lat.end(), (sim_time_t)0));
	EXPECT_EQ(d["violations"].u64(), 0u);
}

TEST(Stats, TextAndJsonAgree)
{
	// Every SMMU's line and cache rates in the text are the JSON's numbers.
	for (const char *sc : {"msi/movi-under-traffic.yaml", "validation/iotlb-window.yaml",
			       "vfio/assignment-checks.yaml"}) {
		SCOPED_TRACE(sc);
		ReportRun r(sc);
		ASSERT_TRUE(r.loaded) << r.errors;
		Json doc;
		ASSERT_TRUE(parse_json(r.json(), &doc));
		std::string st = stats_block(r.report());
		for (const Json &sm : doc["statistics"]["smmus"].a) {
			char l[200];
			snprintf(l, sizeof l,
				 "  %s: %llu translations, %llu faults; peak TCU occupancy %llu of %u translation "
				 "slots, %llu of %u walk slots",
				 sm["name"].s.c_str(), (unsigned long long)sm["translations"].u64(),
				 (unsigned long long)sm["faults"].u64(),
				 (unsigned long long)sm["peak_translation_slots"].u64(),
				 r.s.platform.smmus[0].params.translation_slots,
				 (unsigned long long)sm["peak_walk_slots"].u64(),
				 r.s.platform.smmus[0].params.walk_slots);
			EXPECT_EQ(line_starting(st, "  " + sm["name"].s + ":"), l);
			std::string hits = st.substr(st.find(l));
			hits = hits.substr(hits.find('\n') + 1);
			hits = hits.substr(0, hits.find('\n'));
			for (const auto &c : sm["caches"].o) {
				uint64_t h = c.second["hits"].u64(), n = h + c.second["misses"].u64();
				std::string want = c.first + " " + std::to_string(h) + " of " + std::to_string(n) + " (";
				if (n)
					EXPECT_NE(hits.find(" " + want), std::string::npos) << want << " in " << hits;
				else
					EXPECT_EQ(hits.find(" " + c.first + " "), std::string::npos) << hits;
			}
		}
		for (const Json &d : doc["statistics"]["devices"].a) {
			uint64_t n = d["requests"].u64();
			std::string want = "  " + d["function"].s + ": " + std::to_string(n) + " request" +
					   (n == 1 ? "" : "s") + ", mean latency " +
					   ns_text(d["latency_sum_ps"].u64() / n) + ", " +
					   std::to_string(d["violations"].u64()) + " violation" +
					   (d["violations"].u64() == 1 ? "" : "s");
			EXPECT_EQ(line_starting(st, "  " + d["function"].s + ":"), want);
		}
	}
}

TEST(Stats, DevicesCountStepsAndViolations)
{
	// assignment-checks: gpu0 sends steps 1-3 (step 2 breaks p2p), nvme0 step 4.
	ReportRun r("vfio/assignment-checks.yaml");
	ASSERT_TRUE(r.loaded) << r.errors;
	std::string st = stats_block(r.report());
	sim_time_t gpu0 = 0;
	for (unsigned i = 0; i < 3; i++) {
		ASSERT_EQ(r.step(i).from, r.fn("gpu0"));
		gpu0 += r.step(i).end - r.step(i).start;
	}
	EXPECT_EQ(line_starting(st, "  gpu0:"),
		  "  gpu0: 3 requests, mean latency " + ns_text(gpu0 / 3) + ", 1 violation");
	EXPECT_EQ(line_starting(st, "  nvme0:"), "  nvme0: 1 request, mean latency " +
							 ns_text(r.step(3).end - r.step(3).start) +
							 ", 0 violations");
	EXPECT_EQ(line_starting(st, "  gpu1:"), ""); // sent nothing
	EXPECT_NE(st.find("  smmu0: 3 translations, 1 faults;"), std::string::npos) << st;
	EXPECT_EQ(st.find("MSIs through"), std::string::npos) << st; // no interrupts taken
}

TEST(Stats, StreamViolationsCountPerRequest)
{
	// nvme1's 64 bypassing reads of vm1's RAM: 64 violations, one step.
	ReportRun r("malicious/bypass-device-reads-vm-ram.yaml");
	ASSERT_TRUE(r.loaded) << r.errors;
	const stream_t &sm = *r.step(1).stream;
	ASSERT_EQ(sm.done, 64u);
	auto lat = stream_lat(sm);
	sim_time_t sum = std::accumulate(lat.begin(), lat.end(), (sim_time_t)0);
	EXPECT_EQ(line_starting(stats_block(r.report()), "  nvme1:"),
		  "  nvme1: 64 requests, mean latency " + ns_text(sum / 64) + ", 64 violations");
}

TEST(Stats, MsiPathQuantilesAreNearestRank)
{
	// Every PE masked; nic0 raises its four vectors (one per PE) at 1, 4, 9 and 16 us; the PEs
	// unmask at 30 us: four different waits.
	std::string body = R"(options: { host_iommu: translated }
interrupts:
  vectors:
    - { function: nic0, count: 4 }
steps:
)";
	for (int pe = 0; pe < 8; pe++)
		body += "  - do: { mask: " + std::to_string(pe) + " }\n";
	for (int v = 0; v < 4; v++)
		body += "  - { from: nic0, msi: " + std::to_string(v) +
			", at_ns: " + std::to_string(1000 * (v + 1) * (v + 1)) + " }\n";
	body += "  - { at_ns: 30000, do: { unmask: 0 } }\n";
	for (int pe = 1; pe < 8; pe++)
		body += "  - do: { unmask: " + std::to_string(pe) + " }\n";
	ReportRun r(iofab_test::shipped_platform("neoverse-smmu.yaml"), iofab_test::scenario_text(body),
		    false);
	ASSERT_TRUE(r.loaded) << r.errors;
	ASSERT_EQ(r.s.ndeliveries, 4u);
	std::vector<sim_time_t> v;
	for (uint32_t i = 0; i < r.s.ndeliveries; i++)
		v.push_back(r.s.deliveries[i].taken_at - r.s.deliveries[i].raised_at);
	ASSERT_EQ(std::set<sim_time_t>(v.begin(), v.end()).size(), 4u);
	EXPECT_EQ(line_starting(stats_block(r.report()), "  MSIs through its0:"),
		  "  MSIs through its0: 4 taken; raised to taken: min " + ns_text(nearest_rank(v, 0)) +
			  ", p50 " + ns_text(nearest_rank(v, 500)) + ", p99 " + ns_text(nearest_rank(v, 990)) +
			  ", max " + ns_text(nearest_rank(v, 1000)));
	Json doc;
	ASSERT_TRUE(parse_json(r.json(), &doc));
	const Json &q = doc["statistics"]["msi_paths"].a[0]["raised_to_taken_ps"];
	EXPECT_EQ(q["p50"].u64(), nearest_rank(v, 500));
	EXPECT_EQ(q["p99"].u64(), nearest_rank(v, 990));
}

TEST(Stats, MsiPathThroughGicv2m)
{
	// No ITS: the GICv2m frame's interrupts, and no ITS entries.
	ReportRun r("msi/v2m-shared-frame.yaml");
	ASSERT_TRUE(r.loaded) << r.errors;
	ASSERT_GT(r.s.ndeliveries, 0u);
	std::string st = stats_block(r.report());
	std::string l = line_starting(st, "  MSIs through ");
	EXPECT_EQ(l.rfind("  MSIs through " + std::string(r.s.platform.gic.v2m[0].name) + ": " +
				  std::to_string(r.s.ndeliveries) + " taken; raised to taken: min ",
			  0),
		  0u)
		<< st;
	Json doc;
	ASSERT_TRUE(parse_json(r.json(), &doc));
	EXPECT_EQ(doc["statistics"]["its"].kind, Json::Arr);
	EXPECT_TRUE(doc["statistics"]["its"].a.empty());
	ASSERT_EQ(doc["statistics"]["msi_paths"].a.size(), 1u);
	EXPECT_EQ(doc["statistics"]["msi_paths"].a[0]["taken"].u64(), r.s.ndeliveries);
}

// Three devices streaming random reads over 64 MiB each, at once: misses overlap at the TCU.
std::string three_streams()
{
	std::string s = R"(vms:
  - { name: vm1, ram: [{ gpa: 0x80000000, size: 64M }], vcpus: [2], page_size: 4K }
  - { name: vm2, ram: [{ gpa: 0x80000000, size: 64M }], vcpus: [3], page_size: 4K }
  - { name: vm3, ram: [{ gpa: 0x80000000, size: 64M }], vcpus: [4], page_size: 4K }
assign:
  - { function: nvme0, to: vm1 }
  - { function: nvme1, to: vm2 }
  - { function: nvme2, to: vm3 }
steps:
)";
	for (const char *d : {"nvme0", "nvme1", "nvme2"})
		s += std::string("  - name: ") + d + " reads\n    from: " + d +
		     "\n    stream: { type: MRd, window: { base: 0x80000000, size: 64M }, size: 64, count: "
		     "200, pattern: random" +
		     (std::strcmp(d, "nvme2") ? ", background: true" : "") + " }\n";
	return iofab_test::scenario_text(s);
}

TEST(Stats, PeakTcuOccupancyWithConcurrentMisses)
{
	ReportRun r(iofab_test::shipped_platform("neoverse-smmu.yaml"), three_streams(), true);
	ASSERT_TRUE(r.loaded) << r.errors;
	Json doc;
	ASSERT_TRUE(parse_json(r.json(), &doc));
	const Json &sm0 = doc["statistics"]["smmus"].a[0];
	uint64_t peak = sm0["peak_translation_slots"].u64(), walks = sm0["peak_walk_slots"].u64();
	EXPECT_GE(peak, 2u);
	EXPECT_LE(peak, 3u); // three requesters, one request each at a time
	EXPECT_GE(walks, 2u);
	EXPECT_LE(walks, 3u);
	EXPECT_EQ(sm0["translations"].u64(), 600u);
	// The trace's counter saw the same overlap.
	Trace t;
	ASSERT_TRUE(parse_trace(r.trace, &t));
	uint64_t most = 0;
	for (const Json *c : t.of("C"))
		most = std::max(most, (*c)["args"]["translation"].u64());
	EXPECT_GE(most, 2u);
	EXPECT_LE(most, 3u);
}

TEST(Stats, PeakTcuOccupancyOfASingleSlotTcu)
{
	// One translation slot and one walk slot: a TCU that translated anything was full.
	std::string plat = replaced(iofab_test::shipped_platform("neoverse-smmu.yaml"), "table_read_ns: 68 }",
				    "table_read_ns: 68, translation_slots: 1, walk_slots: 1 }");
	std::string sc = replaced(read_text(kTop + "/scenarios/msi/movi-under-traffic.yaml"),
				  "platform: ../../platforms/neoverse-smmu.yaml", "platform: p.yaml");
	ReportRun r(plat, sc, false);
	ASSERT_TRUE(r.loaded) << r.errors;
	ASSERT_EQ(r.s.platform.smmus[0].params.translation_slots, 1u);
	std::string st = stats_block(r.report());
	EXPECT_NE(st.find("peak TCU occupancy 1 of 1 translation slots, 1 of 1 walk slots"),
		  std::string::npos)
		<< st;
}

TEST(Stats, CacheLookupsAreTranslations)
{
	// Every one of movi's 40 translations looked its address up in uTLB 0 (none came
	// translated); the first found it empty. The stream says 39 uTLB hits of 40.
	ReportRun r("msi/movi-under-traffic.yaml");
	ASSERT_TRUE(r.loaded) << r.errors;
	const stream_t &sm = *r.step(0).stream;
	ASSERT_EQ(sm.translated, 40u);
	ASSERT_EQ(sm.utlb_hits, 39u);
	std::string st = stats_block(r.report());
	EXPECT_NE(st.find(" utlb0 39 of 40 (97.5 %)"), std::string::npos) << st;
}

TEST(Stats, TlbHitRateWithTwoPageSizes)
{
	// card0's VM has 2 MiB pages, nvme0's 4 KiB ones: the TLB holds both sizes. card0's 1000
	// reads of one 2 MiB page hit the TLB 999 times (the stream counts them); the statistics'
	// TLB lookups are at most the translations, whatever sizes are probed per lookup.
	ReportRun r(iofab_test::shipped_platform("xeon-like.yaml"), iofab_test::scenario_text(R"(vms:
  - { name: vm1, ram: [{ gpa: 0x80000000, size: 64M }], vcpus: [2], page_size: 2M }
  - { name: vm2, ram: [{ gpa: 0x80000000, size: 64M }], vcpus: [3], page_size: 4K }
assign:
  - { function: card0, to: vm1 }
  - { function: nvme0, to: vm2 }
steps:
  - name: nvme0 touches a 4K page
    from: nvme0
    tlp: { type: MRd, address: 0x80000000, length: 64 }
  - name: card0 reads its 2M-mapped RAM
    from: card0
    stream: { type: MRd, window: { base: 0x80000000, size: 64K }, size: 64, count: 1000, pattern: random }
)"),
	      false);
	ASSERT_TRUE(r.loaded) << r.errors;
	ASSERT_EQ(r.step(1).stream->tlb_hits, 999u);
	Json doc;
	ASSERT_TRUE(parse_json(r.json(), &doc));
	const Json &sm0 = doc["statistics"]["smmus"].a[0];
	const Json &tlb = sm0["caches"]["tlb"];
	EXPECT_EQ(sm0["translations"].u64(), 1001u);
	EXPECT_GE(tlb["hits"].u64(), 999u);
	EXPECT_LE(tlb["hits"].u64() + tlb["misses"].u64(), sm0["translations"].u64())
		<< "TLB lookups: " << tlb["hits"].u64() << " hits, " << tlb["misses"].u64() << " misses";
}

// --- stream statistics ------------------------------------------------------------------------

struct MadeStream {
	stream_t sm{};
	std::vector<sim_time_t> lat;
	explicit MadeStream(std::vector<sim_time_t> l, uint32_t done) : lat(std::move(l))
	{
		sm.lat = lat.data();
		sm.done = done;
		sm.count = (uint32_t)lat.size();
	}
};

std::vector<sim_time_t> shuffled_1_to(uint32_t n, uint32_t seed)
{
	std::vector<sim_time_t> v(n);
	for (uint32_t i = 0; i < n; i++)
		v[i] = (sim_time_t)(i + 1) * 1000;
	std::mt19937 g(seed);
	std::shuffle(v.begin(), v.end(), g);
	return v;
}

TEST(StreamStats, NearestRankPercentiles)
{
	struct {
		uint32_t n;
		sim_time_t want[STREAM_QUANTILES]; // in ns
	} cases[] = {
		{1, {1, 1, 1, 1, 1, 1}},
		{2, {1, 1, 2, 2, 2, 2}},
		{3, {1, 2, 3, 3, 3, 3}},
		{10, {1, 5, 9, 10, 10, 10}},
		{100, {1, 50, 90, 99, 100, 100}},
		{999, {1, 500, 900, 990, 999, 999}},
		{1000, {1, 500, 900, 990, 999, 1000}},
		{1001, {1, 501, 901, 991, 1000, 1001}},
		{2000, {1, 1000, 1800, 1980, 1998, 2000}},
	};
	for (const auto &c : cases) {
		SCOPED_TRACE(c.n);
		MadeStream m(shuffled_1_to(c.n, c.n), c.n);
		std::vector<sim_time_t> before = m.lat;
		sim_time_t q[STREAM_QUANTILES];
		ASSERT_TRUE(stream_percentiles(&m.sm, q));
		for (int k = 0; k < STREAM_QUANTILES; k++)
			EXPECT_EQ(q[k], c.want[k] * 1000) << stream_quantile_names[k];
		EXPECT_EQ(m.lat, before) << "the stream's latencies were reordered";
	}
	EXPECT_STREQ(stream_quantile_names[0], "min");
	EXPECT_STREQ(stream_quantile_names[4], "p99.9");
	EXPECT_STREQ(stream_quantile_names[5], "max");
}

TEST(StreamStats, PercentilesOfTheRequestsDoneOnly)
{
	// A stream stopped early (stalled): its unused slots hold anything.
	MadeStream m({7000, 3000, 5000, 999999999, 888888888}, 3);
	sim_time_t q[STREAM_QUANTILES];
	ASSERT_TRUE(stream_percentiles(&m.sm, q));
	const sim_time_t want[STREAM_QUANTILES] = {3000, 5000, 7000, 7000, 7000, 7000};
	for (int k = 0; k < STREAM_QUANTILES; k++)
		EXPECT_EQ(q[k], want[k]) << stream_quantile_names[k];
	// Ties.
	MadeStream t({4000, 4000, 4000, 9000}, 4);
	ASSERT_TRUE(stream_percentiles(&t.sm, q));
	EXPECT_EQ(q[1], 4000u);
	EXPECT_EQ(q[2], 9000u);
	// Nothing sent: nothing to say.
	MadeStream e({}, 0);
	EXPECT_FALSE(stream_percentiles(&e.sm, q));
}

TEST(StreamStats, RateArithmetic)
{
	MadeStream m({}, 40);
	m.sm.t0 = 5000;
	m.sm.end = 5000 + 46027000; // 46.027 us
	// 40 / 46.027 us = 869,055.55 per second, rounded down.
	EXPECT_EQ(stream_rate(&m.sm, 1000000000000ull), 869055u);
	// 64-byte requests: 40 x 64 B / 46.027 us = 55.6 MB/s.
	EXPECT_EQ(stream_rate(&m.sm, 1000000ull * 64), 55u);
	// Exact: 1000 requests in 1 us.
	m.sm.done = 1000;
	m.sm.t0 = 0;
	m.sm.end = 1000000;
	EXPECT_EQ(stream_rate(&m.sm, 1000000000000ull), 1000000000u);
	// The most a stream can be: a million 4 KiB requests, 1 ps apart.
	m.sm.done = 1000000;
	m.sm.end = 1000000;
	EXPECT_EQ(stream_rate(&m.sm, 1000000000000ull), 1000000000000u);
	EXPECT_EQ(stream_rate(&m.sm, 1000000ull * 4096), 4096000000u);
	// No duration: no rate.
	m.sm.end = m.sm.t0;
	EXPECT_EQ(stream_rate(&m.sm, 1000000000000ull), 0u);
	m.sm.t0 = 10;
	m.sm.end = 5;
	EXPECT_EQ(stream_rate(&m.sm, 1000000000000ull), 0u);
}

TEST(StreamStats, TextLinesOfADmaStream)
{
	ReportRun r("validation/iotlb-window.yaml");
	ASSERT_TRUE(r.loaded) << r.errors;
	const stream_t &sm = *r.step(0).stream;
	ASSERT_EQ(sm.done, 4000u);
	std::string rep = r.report();
	// Rates from the stream's own duration and size (128-bit, independent of stream_rate).
	sim_time_t d = sm.end - sm.t0;
	ASSERT_GT(d, 0u);
	unsigned long long rps = (unsigned long long)((unsigned __int128)sm.done * 1000000000000ull / d);
	unsigned long long mbs =
		(unsigned long long)((unsigned __int128)sm.done * sm.size * 1000000ull / d);
	EXPECT_EQ(line_starting(rep, "    throughput:"),
		  "    throughput: " + std::to_string(rps) + " requests/s, " + std::to_string(mbs) + " MB/s");
	// Translated 4000, 16 pages walked.
	EXPECT_EQ(sm.translated, 4000u);
	uint32_t misses = sm.translated - sm.utlb_hits - sm.tlb_hits;
	EXPECT_EQ(misses, 16u);
	char reads[32];
	snprintf(reads, sizeof reads, "%llu.%02llu", (unsigned long long)(sm.walk_reads / sm.translated),
		 (unsigned long long)(sm.walk_reads * 100 / sm.translated % 100));
	EXPECT_EQ(line_starting(rep, "    iommu:"),
		  "    iommu: 4000 translated; uTLB hits " + std::to_string(sm.utlb_hits) + ", TLB hits " +
			  std::to_string(sm.tlb_hits) + ", misses 16; " + reads +
			  " table reads per translation (+ " + std::to_string(sm.config_reads) +
			  " config reads)");
	static const char *const parts[9] = {"uTLB", "TLB", "link", "slot wait", "config", "walk wait",
					     "walk", "merged", "response"};
	std::string mean = "    iommu mean:";
	for (int k = 0; k < 9; k++)
		mean += std::string(k ? ", " : " ") + parts[k] + " " + ns_text(sm.iommu_parts[k] / sm.translated);
	EXPECT_EQ(line_starting(rep, "    iommu mean:"), mean);
	// The latency line: nearest rank over the stream's requests.
	auto v = stream_lat(sm);
	EXPECT_EQ(line_starting(rep, "    latency:"),
		  "    latency: min " + ns_text(nearest_rank(v, 0)) + ", p50 " + ns_text(nearest_rank(v, 500)) +
			  ", p90 " + ns_text(nearest_rank(v, 900)) + ", p99 " + ns_text(nearest_rank(v, 990)) +
			  ", p99.9 " + ns_text(nearest_rank(v, 999)) + ", max " + ns_text(nearest_rank(v, 1000)));
}

TEST(StreamStats, MsiStreamHasNoMegabytes)
{
	ReportRun r("msi/movi-under-traffic.yaml");
	ASSERT_TRUE(r.loaded) << r.errors;
	const stream_t &sm = *r.step(0).stream;
	std::string l = line_starting(r.report(), "    throughput:");
	unsigned long long rps =
		(unsigned long long)((unsigned __int128)sm.done * 1000000000000ull / (sm.end - sm.t0));
	EXPECT_EQ(l, "    throughput: " + std::to_string(rps) + " requests/s");
	// The JSON carries the same figure.
	Json doc;
	ASSERT_TRUE(parse_json(r.json(), &doc));
	EXPECT_EQ(doc["steps"].a[0]["stream"]["requests_per_s"].u64(), rps);
	EXPECT_EQ(doc["steps"].a[0]["stream"]["duration_ps"].u64(), sm.end - sm.t0);
}

} // namespace
