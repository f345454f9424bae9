// LuceneChecker parses Elasticsearch query_string queries with Apache
// Lucene 8's classic QueryParser, overriding the hooks that
// Elasticsearch's QueryStringQueryParser overrides, and runs them over
// events indexed in memory with the field types Elasticsearch gives them.
// detc's Go tests drive it through stdin/stdout (see checker.go): one JVM
// per test run, everything batched; a batch's segments run in parallel.
//
// Input lines are tab-separated; fields escape \\ \t \n \r with a
// backslash:
//   S                          start a segment: forget schema and events
//   F <name> <type>            declare a field (keyword, wildcard, long,
//                              double, ip, boolean)
//   D <id> <field> <value>...  index an event (repeat a field for arrays)
//   Q <id> <query>             parse the query and run it over the events
//   E                          end of batch: answer DONE
// Output lines:
//   R <id> OK <ids, comma-separated> <parsed query>
//   R <id> ERR <message>
//   DONE
import java.io.BufferedReader;
import java.io.BufferedWriter;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStreamWriter;
import java.net.InetAddress;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

import org.apache.lucene.analysis.core.KeywordAnalyzer;
import org.apache.lucene.document.Document;
import org.apache.lucene.document.DoublePoint;
import org.apache.lucene.document.Field;
import org.apache.lucene.document.InetAddressPoint;
import org.apache.lucene.document.LongPoint;
import org.apache.lucene.document.StringField;
import org.apache.lucene.index.DirectoryReader;
import org.apache.lucene.index.IndexWriter;
import org.apache.lucene.index.IndexWriterConfig;
import org.apache.lucene.index.Term;
import org.apache.lucene.queryparser.classic.ParseException;
import org.apache.lucene.queryparser.classic.QueryParser;
import org.apache.lucene.search.BooleanClause;
import org.apache.lucene.search.BooleanQuery;
import org.apache.lucene.search.IndexSearcher;
import org.apache.lucene.search.MatchAllDocsQuery;
import org.apache.lucene.search.PrefixQuery;
import org.apache.lucene.search.Query;
import org.apache.lucene.search.RegexpQuery;
import org.apache.lucene.search.ScoreDoc;
import org.apache.lucene.search.TermQuery;
import org.apache.lucene.search.TermRangeQuery;
import org.apache.lucene.search.WildcardQuery;
import org.apache.lucene.store.ByteBuffersDirectory;
import org.apache.lucene.util.automaton.RegExp;

public final class LuceneChecker {
    static final String EXISTS = "_exists_";
    static final String FIELD_NAMES = "_field_names";
    static final String ID = "_id";
    // Elasticsearch's defaults: index.max_regex_length and the query's
    // max_determinized_states.
    static final int MAX_REGEX_LENGTH = 1000;
    static final int MAX_DETERMINIZED_STATES = 10000;

    /** The query_string parser with Elasticsearch's behaviour on mapped fields. */
    static final class EsParser extends QueryParser {
        final Map<String, String> types;

        EsParser(Map<String, String> types) {
            super("*", new KeywordAnalyzer());
            this.types = types;
            setAllowLeadingWildcard(true);
            setDefaultOperator(QueryParser.OR_OPERATOR);
            // Elasticsearch splits on operators, not on white space.
            setSplitOnWhitespace(false);
        }

        static boolean isText(String t) {
            return t.equals("keyword") || t.equals("wildcard") || t.equals("constant_keyword") || t.equals("boolean");
        }

        String type(String field) throws ParseException {
            String t = types.get(field);
            if (t == null) {
                throw new ParseException("field [" + field + "] is not in the schema");
            }
            return t;
        }

        boolean allFields(String field) {
            return field == null || field.equals("*");
        }

        /** The default field "*" searches every keyword field, leniently. */
        Query everyField(java.util.function.Function<String, Query> q) {
            BooleanQuery.Builder b = new BooleanQuery.Builder();
            for (Map.Entry<String, String> e : types.entrySet()) {
                if (isText(e.getValue())) {
                    b.add(q.apply(e.getKey()), BooleanClause.Occur.SHOULD);
                }
            }
            return b.build();
        }

        Query exists(String field) throws ParseException {
            type(field);
            return new TermQuery(new Term(FIELD_NAMES, field));
        }

        @Override
        protected Query getFieldQuery(String field, String text, boolean quoted) throws ParseException {
            if (EXISTS.equals(field)) {
                return exists(text);
            }
            // Elasticsearch reads a leading > >= < <= as a one-sided range.
            if (!quoted && !allFields(field) && text.length() > 1) {
                if (text.charAt(0) == '>') {
                    if (text.length() > 2 && text.charAt(1) == '=') {
                        return getRangeQuery(field, text.substring(2), null, true, true);
                    }
                    return getRangeQuery(field, text.substring(1), null, false, true);
                } else if (text.charAt(0) == '<') {
                    if (text.length() > 2 && text.charAt(1) == '=') {
                        return getRangeQuery(field, null, text.substring(2), true, true);
                    }
                    return getRangeQuery(field, null, text.substring(1), true, false);
                }
            }
            return term(field, text);
        }

        @Override
        protected Query getFieldQuery(String field, String text, int slop) throws ParseException {
            if (EXISTS.equals(field)) {
                return exists(text);
            }
            return term(field, text);
        }

        /** An exact term: keyword fields are not analysed. */
        Query term(String field, String text) throws ParseException {
            if (allFields(field)) {
                return everyField(f -> new TermQuery(new Term(f, text)));
            }
            String t = type(field);
            if (isText(t)) {
                return new TermQuery(new Term(field, text));
            }
            switch (t) {
                case "long":
                    return LongPoint.newExactQuery(field, parseLong(field, text));
                case "double":
                    return DoublePoint.newExactQuery(field, parseDouble(field, text));
                case "ip":
                    int slash = text.indexOf('/');
                    if (slash >= 0) {
                        int len;
                        try {
                            len = Integer.parseInt(text.substring(slash + 1));
                        } catch (NumberFormatException e) {
                            throw new ParseException("bad prefix length in [" + text + "]");
                        }
                        return InetAddressPoint.newPrefixQuery(field, parseIp(text.substring(0, slash)), len);
                    }
                    return InetAddressPoint.newExactQuery(field, parseIp(text));
                default:
                    throw new ParseException("field [" + field + "] has unknown type [" + t + "]");
            }
        }

        @Override
        protected Query getRangeQuery(String field, String lo, String hi, boolean loInc, boolean hiInc) throws ParseException {
            if ("*".equals(lo)) {
                lo = null;
            }
            if ("*".equals(hi)) {
                hi = null;
            }
            String t = type(field);
            if (isText(t)) {
                return TermRangeQuery.newStringRange(field, lo, hi, loInc, hiInc);
            }
            switch (t) {
                case "long": {
                    long l = Long.MIN_VALUE, h = Long.MAX_VALUE;
                    if (lo != null) {
                        double d = parseDouble(field, lo);
                        l = (long) (loInc ? Math.ceil(d) : Math.floor(d) + 1);
                    }
                    if (hi != null) {
                        double d = parseDouble(field, hi);
                        h = (long) (hiInc ? Math.floor(d) : Math.ceil(d) - 1);
                    }
                    return LongPoint.newRangeQuery(field, l, h);
                }
                case "double": {
                    double l = Double.NEGATIVE_INFINITY, h = Double.POSITIVE_INFINITY;
                    if (lo != null) {
                        l = parseDouble(field, lo);
                        if (!loInc) {
                            l = Math.nextUp(l);
                        }
                    }
                    if (hi != null) {
                        h = parseDouble(field, hi);
                        if (!hiInc) {
                            h = Math.nextDown(h);
                        }
                    }
                    return DoublePoint.newRangeQuery(field, l, h);
                }
                case "ip": {
                    InetAddress l = lo == null ? InetAddressPoint.MIN_VALUE : parseIp(lo);
                    InetAddress h = hi == null ? InetAddressPoint.MAX_VALUE : parseIp(hi);
                    if (lo != null && !loInc) {
                        l = InetAddressPoint.nextUp(l);
                    }
                    if (hi != null && !hiInc) {
                        h = InetAddressPoint.nextDown(h);
                    }
                    return InetAddressPoint.newRangeQuery(field, l, h);
                }
                default:
                    throw new ParseException("field [" + field + "] has unknown type [" + t + "]");
            }
        }

        void textOnly(String field, String what) throws ParseException {
            String t = type(field);
            if (!isText(t)) {
                throw new ParseException("Can only use " + what + " queries on keyword and text fields - not on [" + field + "] which is of type [" + t + "]");
            }
        }

        @Override
        protected Query getWildcardQuery(String field, String termStr) throws ParseException {
            if (termStr.equals("*")) {
                return allFields(field) ? new MatchAllDocsQuery() : exists(field);
            }
            if (allFields(field)) {
                return everyField(f -> new WildcardQuery(new Term(f, termStr)));
            }
            textOnly(field, "wildcard");
            return new WildcardQuery(new Term(field, termStr));
        }

        @Override
        protected Query getPrefixQuery(String field, String termStr) throws ParseException {
            if (allFields(field)) {
                return everyField(f -> new PrefixQuery(new Term(f, termStr)));
            }
            textOnly(field, "prefix");
            return new PrefixQuery(new Term(field, termStr));
        }

        @Override
        protected Query getRegexpQuery(String field, String termStr) throws ParseException {
            if (termStr.length() > MAX_REGEX_LENGTH) {
                throw new ParseException("The length of regex [" + termStr.length() + "] used in the [query_string] has exceeded the allowed maximum of [" + MAX_REGEX_LENGTH + "]");
            }
            if (allFields(field)) {
                return everyField(f -> regexp(f, termStr));
            }
            textOnly(field, "regexp");
            return regexp(field, termStr);
        }

        @Override
        protected Query getFuzzyQuery(String field, String termStr, float minSimilarity) throws ParseException {
            throw new ParseException("a fuzzy query (~) on [" + field + "]: detc never writes one, so a ~ escaped badly");
        }

        @Override
        protected Query getBooleanQuery(List<BooleanClause> clauses) throws ParseException {
            Query q = super.getBooleanQuery(clauses);
            // Elasticsearch's fixNegativeQueryIfNeeded: a group of only
            // negative clauses matches everything else.
            if (q instanceof BooleanQuery) {
                BooleanQuery bq = (BooleanQuery) q;
                boolean allNegative = !bq.clauses().isEmpty();
                for (BooleanClause c : bq.clauses()) {
                    allNegative &= c.getOccur() == BooleanClause.Occur.MUST_NOT;
                }
                if (allNegative) {
                    BooleanQuery.Builder b = new BooleanQuery.Builder();
                    for (BooleanClause c : bq.clauses()) {
                        b.add(c);
                    }
                    b.add(new MatchAllDocsQuery(), BooleanClause.Occur.FILTER);
                    return b.build();
                }
            }
            return q;
        }
    }

    // Building a regex's automaton is the costly part of parsing, and many
    // rules share values: queries are immutable, so they are shared.
    static final Map<String, Query> REGEXPS = new ConcurrentHashMap<>();

    static Query regexp(String field, String re) {
        String key = field + '\u0000' + re;
        Query q = REGEXPS.get(key);
        if (q == null) {
            q = new RegexpQuery(new Term(field, re), RegExp.ALL, MAX_DETERMINIZED_STATES);
            if (REGEXPS.size() > 200_000) {
                REGEXPS.clear();
            }
            REGEXPS.put(key, q);
        }
        return q;
    }

    static long parseLong(String field, String s) throws ParseException {
        try {
            return Long.parseLong(s);
        } catch (NumberFormatException e) {
            double d = parseDouble(field, s);
            if (d != Math.rint(d)) {
                throw new ParseException("Value [" + s + "] has a decimal part for long field [" + field + "]");
            }
            return (long) d;
        }
    }

    static double parseDouble(String field, String s) throws ParseException {
        try {
            return Double.parseDouble(s);
        } catch (NumberFormatException e) {
            throw new ParseException("failed to parse [" + s + "] as a number for field [" + field + "]");
        }
    }

    /** Parses an IP literal; never resolves a host name. */
    static InetAddress parseIp(String s) throws ParseException {
        if (s.isEmpty() || !s.matches("[0-9A-Fa-f:.]+")) {
            throw new ParseException("'" + s + "' is not an IP string literal");
        }
        try {
            return InetAddress.getByName(s);
        } catch (IOException e) {
            throw new ParseException("'" + s + "' is not an IP string literal");
        }
    }

    // ---- the batch protocol ----

    /** One schema with its events and queries; segments run in parallel. */
    static final class Segment {
        final Map<String, String> types = new TreeMap<>();
        final List<String[]> events = new ArrayList<>();
        final List<String[]> queries = new ArrayList<>();
        final List<Document> docs = new ArrayList<>();
        String error;

        List<String> run() throws IOException {
            for (String[] cols : events) {
                docs.add(doc(cols));
            }
            IndexSearcher searcher = null;
            if (!docs.isEmpty() && error == null) {
                ByteBuffersDirectory dir = new ByteBuffersDirectory();
                try (IndexWriter w = new IndexWriter(dir, new IndexWriterConfig(new KeywordAnalyzer()))) {
                    for (Document d : docs) {
                        w.addDocument(d);
                    }
                }
                searcher = new IndexSearcher(DirectoryReader.open(dir));
            }
            List<String> out = new ArrayList<>();
            for (String[] q : queries) {
                out.add(query(searcher, q[1], q[2]));
            }
            return out;
        }

        Document doc(String[] cols) {
            Document d = new Document();
            d.add(new StringField(ID, cols[1], Field.Store.YES));
            for (int i = 2; i + 1 < cols.length; i += 2) {
                String name = cols[i], value = cols[i + 1];
                String t = types.get(name);
                try {
                    if (t == null) {
                        throw new IllegalArgumentException("field [" + name + "] is not in the schema");
                    }
                    switch (t) {
                        case "long":
                            d.add(new LongPoint(name, parseLong(name, value)));
                            break;
                        case "double":
                            d.add(new DoublePoint(name, parseDouble(name, value)));
                            break;
                        case "ip":
                            d.add(new InetAddressPoint(name, parseIp(value)));
                            break;
                        default:
                            d.add(new StringField(name, value, Field.Store.NO));
                    }
                } catch (ParseException | IllegalArgumentException e) {
                    error = "event " + cols[1] + ": " + e.getMessage();
                }
                d.add(new StringField(FIELD_NAMES, name, Field.Store.NO));
            }
            return d;
        }

        String query(IndexSearcher searcher, String id, String text) {
            if (error != null) {
                return "R\t" + escape(id) + "\tERR\t" + escape(error);
            }
            try {
                Query q = new EsParser(types).parse(text);
                List<String> ids = new ArrayList<>();
                if (searcher != null) {
                    for (ScoreDoc sd : searcher.search(q, docs.size()).scoreDocs) {
                        ids.add(searcher.doc(sd.doc).get(ID));
                    }
                    Collections.sort(ids);
                }
                String parsed = q instanceof TermQuery ? "term:" + ((TermQuery) q).getTerm().text() : q.toString();
                return "R\t" + escape(id) + "\tOK\t" + escape(String.join(",", ids)) + "\t" + escape(parsed);
            } catch (ParseException | RuntimeException | IOException | StackOverflowError e) {
                String msg = e.getMessage() == null ? e.toString() : e.getClass().getSimpleName() + ": " + e.getMessage();
                return "R\t" + escape(id) + "\tERR\t" + escape(msg);
            }
        }
    }

    static String unescape(String s) {
        StringBuilder b = new StringBuilder(s.length());
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (c == '\\' && i + 1 < s.length()) {
                char n = s.charAt(++i);
                switch (n) {
                    case 't': b.append('\t'); break;
                    case 'n': b.append('\n'); break;
                    case 'r': b.append('\r'); break;
                    default: b.append(n);
                }
            } else {
                b.append(c);
            }
        }
        return b.toString();
    }

    static String escape(String s) {
        StringBuilder b = new StringBuilder(s.length());
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            switch (c) {
                case '\\': b.append("\\\\"); break;
                case '\t': b.append("\\t"); break;
                case '\n': b.append("\\n"); break;
                case '\r': b.append("\\r"); break;
                default: b.append(c);
            }
        }
        return b.toString();
    }

    public static void main(String[] args) throws Exception {
        BufferedReader in = new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8));
        BufferedWriter out = new BufferedWriter(new OutputStreamWriter(System.out, StandardCharsets.UTF_8));
        ExecutorService pool = Executors.newFixedThreadPool(Math.max(1, Runtime.getRuntime().availableProcessors()));
        List<Segment> batch = new ArrayList<>();
        Segment cur = null;
        String line;
        while ((line = in.readLine()) != null) {
            String[] cols = line.split("\t", -1);
            for (int i = 0; i < cols.length; i++) {
                cols[i] = unescape(cols[i]);
            }
            switch (cols[0]) {
                case "S":
                    cur = new Segment();
                    batch.add(cur);
                    break;
                case "F":
                    cur.types.put(cols[1], cols[2]);
                    break;
                case "D":
                    cur.events.add(cols);
                    break;
                case "Q":
                    cur.queries.add(cols);
                    break;
                case "E": {
                    List<Future<List<String>>> results = new ArrayList<>();
                    for (Segment seg : batch) {
                        results.add(pool.submit(seg::run));
                    }
                    for (Future<List<String>> f : results) {
                        for (String r : f.get()) {
                            out.write(r);
                            out.newLine();
                        }
                    }
                    out.write("DONE");
                    out.newLine();
                    out.flush();
                    batch.clear();
                    cur = null;
                    break;
                }
                default:
                    throw new IOException("unknown command " + cols[0]);
            }
        }
        pool.shutdown();
        out.flush();
    }
}
