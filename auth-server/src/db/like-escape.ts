import {
  BinaryOperationNode,
  type KyselyPlugin,
  OperationNodeTransformer,
  type PluginTransformQueryArgs,
  type PluginTransformResultArgs,
  type QueryResult,
  RawNode,
  type RootOperationNode,
  type UnknownRow,
} from "kysely";

const LIKE_OPERATORS = new Set(["like", "not like", "ilike", "not ilike"]);

/** Backslash-escapes the LIKE wildcards (`%`, `_`) and the escape character itself in `value`. */
export function escapeLike(value: string): string {
  return value.replace(/[\\%_]/g, (c) => `\\${c}`);
}

class LikeEscapeTransformer extends OperationNodeTransformer {
  protected override transformBinaryOperation(node: BinaryOperationNode): BinaryOperationNode {
    const op = super.transformBinaryOperation(node);
    const operator = (op.operator as { operator?: string }).operator;
    if (!operator || !LIKE_OPERATORS.has(operator)) return op;
    return BinaryOperationNode.create(
      op.leftOperand,
      op.operator,
      RawNode.create(["", " escape '\\'"], [op.rightOperand]),
    );
  }
}

/**
 * Every LIKE the query builder writes gets `ESCAPE '\'`, so `\%` and `\_` in a pattern mean a
 * literal `%` and `_` on both databases alike: PostgreSQL's default escape is already `\`, SQLite
 * has none (https://www.sqlite.org/lang_expr.html#like). Patterns without a backslash mean what
 * they meant before. With `escapeLike`, a search for user input matches that text, never
 * everything (issue 12 #15: `searchValue=%` listed every user).
 */
export class LikeEscapePlugin implements KyselyPlugin {
  private readonly transformer = new LikeEscapeTransformer();

  transformQuery(args: PluginTransformQueryArgs): RootOperationNode {
    return this.transformer.transformNode(args.node);
  }

  async transformResult(args: PluginTransformResultArgs): Promise<QueryResult<UnknownRow>> {
    return args.result;
  }
}
