"""Real cells that fail in a real IPython shell, then ``%buddy explain`` with the offline buddy:
the answer names the specific fix (the column, the attribute, the package, the file, the types)."""

from __future__ import annotations

import pytest

from .conftest import explain, run_quietly

FRAME = "import pandas as pd\ndf = pd.DataFrame({'Name': ['Ann', 'Bo', 'Cy'], 'Score': [90, 75, 60], 'age': [20, 21, 22]})"

CASES = [
    # KeyError
    ("column-case", FRAME, "df['score'].mean()", ["'Score'", "df['Score'].mean()"]),
    ("column-space", "import pandas as pd\ndf = pd.DataFrame({' total ': [1, 2]})", "df['total']",
     ["' total '", "spaces"]),
    ("column-list", FRAME, "df[['Name', 'scor']]", ["'Score'", "df[['Name', 'Score']]"]),
    ("loc-column", FRAME, "df.loc[0, 'Age']", ["'age'", "df.loc[0, 'age']"]),
    ("loc-row", FRAME, "df.loc[7]", ["not a label in the index", "3 rows"]),
    ("index-name", FRAME + "\ndf = df.set_index('Name')", "df['Name']", ["name of the index", "reset_index()"]),
    ("drop-columns", FRAME, "df.drop(columns=['Scores'])", ["'Score'"]),
    ("groupby-column", FRAME, "df.groupby('Name')['score'].mean()", ["'Score'"]),
    ("rename-not-kept", FRAME + "\ndf.rename(columns={'Score': 'points'})", "df['points']",
     ["did not change", "df = df.rename(columns={'Score': 'points'})"]),
    ("frame-int-key", FRAME, "df[0]", ["df.iloc[0]"]),
    ("wrong-separator", "open('semi.csv', 'w').write('Name;Score\\nAnn;3\\n')\nimport pandas as pd\n"
     "marks = pd.read_csv('semi.csv')", "marks['Score']", ["wrong separator", "sep=';'"]),
    ("drop-without-columns", FRAME, "df.drop('Score')", ["df.drop(columns='Score')"]),
    ("merge-key-spelt-differently", "import pandas as pd\nsales = pd.DataFrame({'Region': ['N'], 'v': [1]})\n"
     "mgr = pd.DataFrame({'region': ['N'], 'm': ['A']})", "pd.merge(sales, mgr, on='Region')",
     ["left_on='Region', right_on='region'"]),
    ("merge-inline-frame", "import pandas as pd\nsales = pd.DataFrame({'Region': ['N'], 'v': [1]})",
     "sales.merge(pd.DataFrame({'region': ['N']}), on='Region')", ["right DataFrame", "right_on='region'"]),
    ("agg-dict-column", FRAME, "df.groupby('Name').agg({'scor': 'sum'})", ["df.groupby('Name').agg({'Score': 'sum'})"]),
    ("astype-dict-column", FRAME, "df.astype({'Scor': float})", ["df.astype({'Score': float})"]),
    ("dict-key", "prices = {'apple': 1.2, 'pear': 0.8}", "prices['Apple']", ["'apple'", "prices['apple']"]),
    ("dict-no-key", "prices = {'apple': 1.2}", "prices['kiwi']", ["prices.get('kiwi')"]),
    # AttributeError
    ("attr-typo", FRAME, "df.colums", ["`columns`", "df.columns"]),
    ("attr-column", FRAME, "df.score.mean()", ["df['Score']"]),
    ("attr-none-inplace", FRAME + "\ndf = df.sort_values('age', inplace=True)", "df.head()",
     ["None", "inplace=True", "df = df.sort_values('age')"]),
    ("attr-module", "import math", "math.sqroot(16)", ["`sqrt`", "math.sqrt(16)"]),
    ("attr-list-method", "names = ['a', 'b']", "names.lower()", ["[s.lower() for s in names]"]),
    ("attr-series-for-frame", FRAME, "df['Score'].columns", ["Series", "df[['Score']].columns"]),
    ("attr-removed", FRAME, "df.append(df)", ["pd.concat", "pd.concat([df, df])"]),
    ("attr-synonym-method", FRAME, "df.sort('age')", ["sort_values", "df.sort_values('age')"]),
    ("attr-synonym-module", "import pandas as pd", "pd.read_xlsx('marks.xlsx')", ["pd.read_excel('marks.xlsx')"]),
    ("attr-dt-on-text", "import pandas as pd\ndf = pd.DataFrame({'day': ['2024-01-02']})", "df['day'].dt.year",
     ["pd.to_datetime(df['day']).dt.year"]),
    ("attr-str-on-numbers", FRAME, "df['Score'].str.len()", ["int64", "df['Score'].astype(str).str.len()"]),
    ("attr-own-class-local", "class Dog:\n    def __init__(self, name):\n        nam = name\nrex = Dog('Rex')",
     "rex.name", ["self.name = name"]),
    ("attr-series-text-method", FRAME, "df['Name'].upper()", ["df['Name'].str.upper()"]),
    ("attr-list-sum", "marks = [1, 2]", "marks.sum()", ["sum(marks)"]),
    ("attr-array-not-frame", FRAME + "\narr = df.to_numpy()", "arr.head()", ["pd.DataFrame(arr).head()"]),
    # NameError
    ("name-other-language", "", "done = false", ["`False`", "done = False"]),
    ("name-typo", "total_score = 10", "print(totl_score)", ["`total_score`", "print(total_score)"]),
    ("name-column-unquoted", FRAME, "df[Score]", ["df['Score']"]),
    ("name-text-unquoted", "answer = 'yes'", "if answer == no:\n    print('ok')", ["'no'"]),
    ("name-module-prefix", "import pandas as pd", "frame = DataFrame({'a': [1]})", ["pd.DataFrame({'a': [1]})"]),
    ("name-query-column", FRAME, "df.query('score > 70')", ["df.query('Score > 70')"]),
    ("name-import", "", "arr = np.array([1, 2])", ["import numpy as np"]),
    ("name-local", "def compute():\n    result = 42\n    return None\ncompute()", "print(result)",
     ["local variable", "compute", "return result"]),
    ("name-later", "", "print(greeting)\ngreeting = 'hi'", ["further down", "line 2"]),
    ("name-file-unquoted", "import pandas as pd", "pd.read_csv(sales.csv)", ["pd.read_csv('sales.csv')"]),
    # ImportError
    ("module-pip-name", "", "import sklearn", ["%pip install scikit-learn"]),
    ("module-pip-cv2", "", "import cv2", ["%pip install opencv-python"]),
    ("module-typo", "", "import pandsa", ["import pandas"]),
    ("import-name", "", "from collections import Counterr", ["`Counter`", "from collections import Counter"]),
    ("import-moved", "", "from collections import Mapping", ["from collections.abc import Mapping"]),
    # FileNotFoundError
    ("file-case", "open('Sales.csv', 'w').close()\nimport pandas as pd", "pd.read_csv('sales.csv')",
     ["`Sales.csv`", "pd.read_csv('Sales.csv')"]),
    ("file-extension", "open('grades.csv', 'w').close()", "open('grades')", ["`grades.csv`", "open('grades.csv')"]),
    ("file-subfolder", "import os\nos.makedirs('data', exist_ok=True)\nopen('data/prices.csv', 'w').close()",
     "open('prices.csv')", ["subfolder `data`", "open('data/prices.csv')"]),
    # TypeError
    ("type-concat", "age = 25", "print('I am ' + age + ' years old')", ['f"I am {age} years old"', "int"]),
    ("type-text-number", "n = input.__doc__ and '5'", "n + 1", ["int(n) + 1", "text"]),
    ("type-missing-arg", "def area(width, height):\n    return width * height", "area(3)",
     ["`height`", "area(width, height)"]),
    ("type-unexpected-kw", "def greet(name, greeting='hi'):\n    return greeting + name", "greet('Bo', greting='yo')",
     ["`greeting`", "greet('Bo', greeting='yo')"]),
    ("type-shadowed-builtin", "list = [1, 2, 3]", "list('abc')", ["del list"]),
    ("type-not-callable-attr", FRAME, "df.shape()", ["df.shape", "without parentheses"]),
    ("type-none-subscript", "def first(xs):\n    xs.sort()\nvalue = first([3, 1])", "value[0]", ["None"]),
    ("type-method-subscript", FRAME, "df.head[2]", ["df.head(2)"]),
    ("type-int-loop", "items = [1, 2, 3]", "for i in len(items):\n    print(i)", ["range(len(items))"]),
    ("type-frame-called", FRAME, "df('Score')", ["df['Score']"]),
    ("type-concat-list", FRAME, "pd.concat(df, df)", ["pd.concat([df, df])"]),
    ("type-float-range", "n = 7", "for i in range(n / 2):\n    pass", ["range(n // 2)"]),
    ("type-str-assign", "word = 'hello'", "word[0] = 'H'", ["word = 'H' + word[1:]"]),
    ("type-sum-texts", "prices = ['1.5', '2']", "sum(prices)", ["sum(float(x) for x in prices)"]),
    ("type-init-misspelt", "class Person:\n    def _init_(self, name):\n        self.name = name",
     "p = Person('Ann')", ["`_init_`", "def __init__(self, ...):"]),
    ("type-module-called", "import datetime", "datetime(2024, 1, 1)", ["from datetime import datetime"]),
    ("type-sorted-mixed", "", "sorted([3, 'a', 1])", ["str and int"]),
    ("type-dict-keys-index", "ages = {'Ann': 20}", "ages.keys()[0]", ["list(ages.keys())[0]"]),
    ("type-iterrows-pair", FRAME, "for row in df.iterrows():\n    print(row['Name'])", ["for i, row in df.iterrows():"]),
    ("type-text-column-maths", "import pandas as pd\nshop = pd.DataFrame({'price': ['1', '2']})", "shop['price'] / 2",
     ["pd.to_numeric(shop['price'], errors='coerce') / 2"]),
    ("type-groupby-text", "import pandas as pd\ng = pd.DataFrame({'n': ['x', 'y'], 's': [1, 1]})",
     "g.groupby('s').mean()", ["'n'", "g.groupby('s').mean(numeric_only=True)"]),
    ("type-argument-text", "import math\nside = '4'", "math.sqrt(side)", ["math.sqrt(float(side))"]),
    ("type-append-two", "marks = [1]", "marks.append(2, 3)", ["marks.extend([2, 3])"]),
    ("type-method-not-called", "ages = {'Ann': 20}", "for k, v in ages.items:\n    pass", ["for k, v in ages.items():"]),
    ("type-numpy-shape", "import numpy as np", "grid = np.zeros(3, 3)", ["grid = np.zeros((3, 3))"]),
    ("attr-float-round", "price = 3.14159", "price.round(2)", ["round(price, 2)"]),
    ("type-iloc-label", FRAME, "df.iloc['Name']", ["df['Name']"]),
    ("type-method-without-self", "class Greeter:\n    def hello():\n        return 'hi'", "Greeter().hello()",
     ["`self`", "def hello(self):"]),
    ("type-text-mean", "import pandas as pd\ndf = pd.DataFrame({'city': ['A', 'B'], 'n': [1, 2]})", "df.mean()",
     ["'city'", "df.mean(numeric_only=True)"]),
    # ValueError
    ("value-and", FRAME, "df[(df.age > 20) and (df.Score > 70)]", ["&", "(df.age > 20) & (df.Score > 70)"]),
    ("value-if-series", FRAME, "if df['Score'] > 70:\n    print('good')", [".any()", ".all()"]),
    ("value-merge-dtypes",
     "import pandas as pd\nleft = pd.DataFrame({'id': [1, 2], 'x': [3, 4]})\nright = pd.DataFrame({'id': ['1', '2'], 'y': [5, 6]})",
     "pd.merge(left, right, on='id')", ["int64", "right['id'] = right['id'].astype('int64')"]),
    ("value-int-decimal", "", "int('3.5')", ["int(float('3.5'))"]),
    ("value-unpack-dict", "ages = {'Ann': 20}", "for name, age in ages:\n    print(name)", ["ages.items()"]),
    ("value-astype", "import pandas as pd\ns = pd.Series(['1', 'two'])", "s.astype(float)",
     ["pd.to_numeric(s, errors='coerce')"]),
    ("value-date-format", "import pandas as pd", "pd.to_datetime('31/12/2024', format='%Y-%m-%d')",
     ["%d/%m/%Y", "format='%d/%m/%Y'"]),
    ("value-json-quotes", "import json\ntext = \"{'a': 1}\"", "json.loads(text)", ["double quotes", "ast.literal_eval"]),
    ("value-columns-length", FRAME, "df.columns = ['a', 'b']", ["3 columns", "rename"]),
    ("value-bad-lines", "open('marks.csv', 'w').write('name,mark\\nAnn,3\\nBo,4,5\\n')\nimport pandas as pd",
     "pd.read_csv('marks.csv')", ["line 3", "pd.read_csv('marks.csv', sep=None, engine='python')"]),
    ("value-encoding", "open('names.csv', 'wb').write('name\\nJos\\xe9\\n'.encode('latin-1'))\nimport pandas as pd",
     "pd.read_csv('names.csv')", ["pd.read_csv('names.csv', encoding='latin-1')"]),
    ("value-format-code", "price = 2.5", "print(f'{price:d}')", ["print(f'{price:.0f}')"]),
    ("value-to-numeric", "import pandas as pd\nraw = pd.Series(['1', 'x'])", "pd.to_numeric(raw)",
     ["'x'", "pd.to_numeric(raw, errors='coerce')"]),
    ("value-substring", "word = 'abc'", "word.index('z')", ["word.find('z')"]),
    ("value-library-did-you-mean", "import pandas as pd", "idx = pd.date_range('2024-01-01', periods=3, freq='H')",
     ["freq='h'"]),
    ("value-length", FRAME, "df['rank'] = [1, 2]", ["2 items", "3 rows"]),
    # IndexError, ZeroDivisionError, UnboundLocalError, RecursionError
    ("index-list", "scores = [90, 75, 60]", "scores[3]", ["0 to 2", "scores[-1]"]),
    ("index-iloc", FRAME, "df.iloc[5]", ["3 rows"]),
    ("index-empty-choice", "import random", "random.choice([])", ["empty"]),
    ("zero-division", "count = 0\ntotal = 10", "average = total / count", ["`count` is 0"]),
    ("zero-len", "values = []", "mean = sum(values) / len(values)", ["`len(values)` is 0", "`values` is empty"]),
    ("unbound-local", "counter = 0\ndef bump():\n    counter += 1", "bump()", ["global counter", "bump"]),
    ("recursion", "def countdown(n):\n    return countdown(n - 1)", "countdown(3)", ["`countdown`", "base case"]),
    # SyntaxError, IndentationError
    ("syntax-colon", "", "for i in range(3)\n    print(i)", ["colon", "for i in range(3):"]),
    ("syntax-equals", "x = 3", "if x = 3:\n    print('three')", ["==", "if x == 3:"]),
    ("syntax-unclosed", "", "total = sum([1, 2, 3]", ["never closed", "total = sum([1, 2, 3])"]),
    ("syntax-print", "", "print 'hello'", ["print('hello')"]),
    ("syntax-indent", "", "def f():\nreturn 1", ["indented", "    return 1"]),
    ("syntax-comma", "", "values = [1 2 3]", ["values = [1, 2, 3]"]),
    ("syntax-else-if", "x = 0", "if x > 3:\n    pass\nelse if x < 1:\n    pass", ["elif x < 1:"]),
    ("syntax-triple-equals", "x = 0", "if x === 3:\n    pass", ["if x == 3:"]),
    ("syntax-colon-inline", "", "while False print(1)", ["while False: print(1)"]),
    ("syntax-unclosed-string", "", 'print("hi)', ['print("hi")']),
    ("syntax-fstring-brace", "name = 'x'", 'print(f"Hello {name")', ['print(f"Hello {name}")']),
    ("syntax-unexpected-indent", "", "x = 1\n    y = 2", ["Remove the spaces", "y = 2"]),
]


@pytest.mark.parametrize("setup, cell, expected", [c[1:] for c in CASES], ids=[c[0] for c in CASES])
def test_explain_names_the_fix(shell, setup, cell, expected):
    if setup:
        assert run_quietly(shell, setup).success
    failed = run_quietly(shell, cell)
    assert not failed.success
    answer, snapshot = explain(shell)
    head = answer.split("_Offline buddy")[0]
    for text in expected:
        assert text in head, f"{text!r} not in:\n{head}"
    assert "## Diagnosis" in snapshot and snapshot.index("## Diagnosis") < snapshot.index("## Last error")


def test_name_from_a_cell_that_stopped_before_defining_it(shell):
    assert not run_quietly(shell, "rate = 1 / 0\ntax = 3").success
    assert not run_quietly(shell, "print(tax)").success
    answer, _ = explain(shell)
    assert "stopped with an error" in answer and "tax = 3" in answer
